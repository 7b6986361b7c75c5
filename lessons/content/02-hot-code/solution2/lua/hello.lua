local version = 2
ngx.print("hello, version ", version, "\n")
