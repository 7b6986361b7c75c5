package proto

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"reflect"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	msgs := []any{
		&Load{Conf: "events {}\n", Files: map[string]string{"lua/app.lua": "return 1"}, Port: 40001, Ports: []int{40001, 40002}},
		&Reload{Conf: "http {}"},
		&Stop{},
		&SetTrace{On: true},
		&Pause{},
		&Step{N: 3},
		&Resume{},
		&Record{ID: 3, Stop: true},
		&Recorded{ID: 3, Events: []byte{3, 2, 0, 0, 0xff}, Dropped: 2, More: true},
		&Recorded{ID: 4, Error: "nothing is served"},
		&State{Paused: true, Pending: []string{"worker 0: fd 9 readable (client connection)"}},
		&Ready{Port: 40001, PID: 1234, Warnings: []string{"nginx.conf:3: x"}, Addresses: []Address{{Declared: "0.0.0.0:80", Port: 40001}, {Declared: "0.0.0.0:443", Port: 40002, SSL: true}}},
		&LoadError{Message: `unknown directive "foo"`, File: "nginx.conf", Line: 12},
		&TraceMessage{Data: []byte("RLT1\x00\xff not JSON: {\"t\":\"trace\"}")},
		&LogLine{Level: 4, Line: "2026/01/01 00:00:00 [error] 1#1: boom", Dropped: 2},
		&AccessLog{Lines: []AccessLine{{File: "logs/access.log", Line: "127.0.0.1 - - [01/Jan/2026:00:00:00 +0000] \"GET / HTTP/1.1\" 200 3 \"-\" \"curl\""}, {File: "logs/api.log", Line: "GET /api 200"}}, Dropped: 1},
		&Health{RSS: 10 << 20, CPUTime: 123456789, FDs: 9, Conns: 2},
		&Exit{Reason: "memory limit of 256 MiB exceeded"},
	}
	var buf bytes.Buffer
	w := NewWriter(&buf)
	for _, m := range msgs {
		if err := w.Write(m); err != nil {
			t.Fatalf("Write(%T): %v", m, err)
		}
	}
	r := NewReader(&buf)
	for _, want := range msgs {
		got, err := r.Read()
		if err != nil {
			t.Fatalf("Read (want %T): %v", want, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("round trip:\n got %#v\nwant %#v", got, want)
		}
	}
	if _, err := r.Read(); err != io.EOF {
		t.Fatalf("at end: err = %v, want io.EOF", err)
	}
}

func TestFrameLayout(t *testing.T) {
	var buf bytes.Buffer
	if err := NewWriter(&buf).Write(SetTrace{On: true}); err != nil {
		t.Fatal(err)
	}
	body := `{"on":true}`
	want := binary.BigEndian.AppendUint32(nil, uint32(1+len(body)))
	want = append(want, byte(TypeSetTrace))
	want = append(want, body...)
	if !bytes.Equal(buf.Bytes(), want) {
		t.Fatalf("frame = %q, want %q", buf.Bytes(), want)
	}
}

func TestOversizeFrame(t *testing.T) {
	t.Run("read", func(t *testing.T) {
		hdr := binary.BigEndian.AppendUint32(nil, MaxFrameSize+1)
		_, err := NewReader(bytes.NewReader(append(hdr, byte(TypeLoad)))).Read()
		if !errors.Is(err, ErrFrameTooLarge) {
			t.Fatalf("err = %v, want ErrFrameTooLarge", err)
		}
	})
	t.Run("write", func(t *testing.T) {
		var buf bytes.Buffer
		err := NewWriter(&buf).Write(Load{Conf: string(bytes.Repeat([]byte("x"), MaxFrameSize))})
		if !errors.Is(err, ErrFrameTooLarge) {
			t.Fatalf("err = %v, want ErrFrameTooLarge", err)
		}
		if buf.Len() != 0 {
			t.Fatalf("%d bytes written for a refused frame", buf.Len())
		}
	})
}

func TestBadStreams(t *testing.T) {
	var frame bytes.Buffer
	if err := NewWriter(&frame).Write(LogLine{Level: 4, Line: "hello"}); err != nil {
		t.Fatal(err)
	}
	full := frame.Bytes()
	tests := []struct {
		name string
		in   []byte
		want error // matched with errors.Is; nil: any error
	}{
		{"truncated header", full[:2], io.ErrUnexpectedEOF},
		{"truncated body", full[:len(full)-3], io.ErrUnexpectedEOF},
		{"type only, body missing", full[:5], io.ErrUnexpectedEOF},
		{"empty frame", []byte{0, 0, 0, 0}, nil},
		{"unknown type", []byte{0, 0, 0, 1, 200}, nil},
		{"bad json", append([]byte{0, 0, 0, 3, byte(TypeLogLine)}, "{x"...), nil},
		{"Recorded shorter than its JSON's length", []byte{0, 0, 0, 3, byte(TypeRecorded), 0, 9}, nil},
		{"Recorded whose JSON runs past the body", append([]byte{0, 0, 0, 9, byte(TypeRecorded), 0, 0, 0, 9}, `{"id"`...), nil},
		{"Recorded with bad JSON", append([]byte{0, 0, 0, 7, byte(TypeRecorded), 0, 0, 0, 2}, `{x`...), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg, err := NewReader(bytes.NewReader(tt.in)).Read()
			if err == nil {
				t.Fatalf("Read = %#v, want an error", msg)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if err == io.EOF {
				t.Fatalf("err = io.EOF for a broken stream")
			}
		})
	}
}

func TestEmptyBodyIsZeroValue(t *testing.T) {
	msg, err := NewReader(bytes.NewReader([]byte{0, 0, 0, 1, byte(TypeStop)})).Read()
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := msg.(*Stop); !ok {
		t.Fatalf("got %T, want *Stop", msg)
	}
}

func TestUnknownMessageRefused(t *testing.T) {
	if err := NewWriter(io.Discard).Write(struct{}{}); err == nil {
		t.Fatal("Write(struct{}{}) succeeded")
	}
}

// TestTypeNumbers pins the type numbers: they are the protocol.
func TestTypeNumbers(t *testing.T) {
	tests := []struct {
		msg  any
		want Type
	}{
		{Load{}, 1}, {Reload{}, 2}, {Stop{}, 3}, {SetTrace{}, 4}, {Pause{}, 5}, {Step{}, 6}, {Resume{}, 7}, {Record{}, 8},
		{Ready{}, 64}, {LoadError{}, 65}, {TraceMessage{}, 73}, {LogLine{}, 67}, {Health{}, 68}, {Exit{}, 69}, {State{}, 70}, {Recorded{}, 71}, {AccessLog{}, 72},
	}
	for _, tt := range tests {
		if got, err := TypeOf(tt.msg); err != nil || got != tt.want {
			t.Errorf("TypeOf(%T) = %d, %v; want %d", tt.msg, got, err, tt.want)
		}
	}
}
