package trace

import (
	"encoding/json"
	"fmt"
)

// kindByName maps a schema name ("co_yield") back to its Kind.
var kindByName = func() map[string]Kind {
	m := make(map[string]Kind, len(kindNames))
	for k, name := range kindNames {
		if name != "" {
			m[name] = Kind(k)
		}
	}
	return m
}()

// wireEvent is the JSON shape AppendJSON writes (docs/trace.md).
type wireEvent struct {
	TS     int64  `json:"ts"`
	Kind   string `json:"kind"`
	Worker int32  `json:"worker"`
	Gen    int32  `json:"gen"`
	FD     int32  `json:"fd"`
	Req    int64  `json:"req"`
	Co     int64  `json:"co"`
	Phase  string `json:"phase"`
	Source string `json:"source"`
	Line   int32  `json:"line"`
	Arg    int64  `json:"arg"`
	Arg2   int64  `json:"arg2"`
	Detail string `json:"detail"`
}

// ParseJSON reads one event written by AppendJSON. A kind this schema does
// not know is an error: the reader and the writer are the same program.
func ParseJSON(data []byte) (Event, error) {
	var w wireEvent
	if err := json.Unmarshal(data, &w); err != nil {
		return Event{}, fmt.Errorf("trace: event %.40q: %w", data, err)
	}
	k, ok := kindByName[w.Kind]
	if !ok {
		return Event{}, fmt.Errorf("trace: event %.40q: unknown kind %q", data, w.Kind)
	}
	return Event{TS: w.TS, Kind: k, Worker: w.Worker, Gen: w.Gen, FD: w.FD, Req: w.Req, Co: w.Co, Phase: w.Phase,
		Source: w.Source, Line: w.Line, Arg: w.Arg, Arg2: w.Arg2, Detail: w.Detail}, nil
}
