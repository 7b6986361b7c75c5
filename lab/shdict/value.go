package shdict

import (
	"errors"
	"strconv"
)

// Kind is the type of a stored value.
type Kind uint8

// Value kinds. List is only reported by Get as ErrIsList: lists are read with
// the list operations.
const (
	Nil Kind = iota
	Boolean
	Number
	String
	List
)

// Value is a value held in a Dict. Only the field matching Kind is used.
type Value struct {
	Kind Kind
	Bool bool
	Num  float64
	Str  string
}

// BoolValue returns a boolean Value.
func BoolValue(b bool) Value { return Value{Kind: Boolean, Bool: b} }

// NumberValue returns a number Value.
func NumberValue(n float64) Value { return Value{Kind: Number, Num: n} }

// StringValue returns a string Value.
func StringValue(s string) Value { return Value{Kind: String, Str: s} }

// String renders v for debugging and tests.
func (v Value) String() string {
	switch v.Kind {
	case Boolean:
		return strconv.FormatBool(v.Bool)
	case Number:
		return strconv.FormatFloat(v.Num, 'g', 14, 64)
	case String:
		return strconv.Quote(v.Str)
	case List:
		return "list"
	}
	return "nil"
}

// size is the number of value bytes nginx stores for v: a double for numbers,
// one byte for booleans, the bytes of a string.
func (v Value) size() int {
	switch v.Kind {
	case Boolean:
		return 1
	case Number:
		return 8
	case String:
		return len(v.Str)
	}
	return 0
}

// MaxKeyLen is the longest key a zone accepts (nginx stores the length in 16 bits).
const MaxKeyLen = 65535

// Errors returned by Dict operations. Their texts are exactly the messages
// ngx_lua returns to Lua as the second value ("nil, err").
var (
	ErrNilKey       = errors.New("nil key")
	ErrEmptyKey     = errors.New("empty key")
	ErrKeyTooLong   = errors.New("key too long")
	ErrBadValueType = errors.New("bad value type")
	ErrExists       = errors.New("exists")
	ErrNotFound     = errors.New("not found")
	ErrNotNumber    = errors.New("not a number")
	ErrNotList      = errors.New("value not a list")
	ErrIsList       = errors.New("value is a list")
	ErrNoMemory     = errors.New("no memory")
)

// checkKey applies ngx_lua's key rules (the nil case is the binding's).
func checkKey(key string) error {
	if key == "" {
		return ErrEmptyKey
	}
	if len(key) > MaxKeyLen {
		return ErrKeyTooLong
	}
	return nil
}
