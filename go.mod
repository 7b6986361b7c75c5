module github.com/restylab/restylab

go 1.26.8

require (
	github.com/alicebob/miniredis/v2 v2.40.0
	github.com/dlclark/regexp2 v1.12.0
	github.com/yuin/gopher-lua v1.1.2
	golang.org/x/sys v0.50.0
)
