package lua

import (
	"errors"
	"math"
	"os"
	"strings"
	"syscall"
	"time"
)

var startedAt time.Time

func init() {
	startedAt = time.Now()
}

func getIntField(L *LState, tb *LTable, key string, v int) int {
	ret := tb.RawGetString(key)

	switch lv := ret.(type) {
	case LNumber:
		return int(lv)
	case LString:
		slv := string(lv)
		slv = strings.TrimLeft(slv, " ")
		if strings.HasPrefix(slv, "0") && !strings.HasPrefix(slv, "0x") && !strings.HasPrefix(slv, "0X") {
			// Standard lua interpreter only support decimal and hexadecimal
			slv = strings.TrimLeft(slv, "0")
			if slv == "" {
				return 0
			}
		}
		if num, err := parseNumber(slv); err == nil {
			return int(num)
		}
	default:
		return v
	}

	return v
}

// dateField is a field os.time needs (day, month, year): LuaJIT raises
// "field 'day' missing in date table" when it is not a number (gopher-lua
// used -1, so os.time{year = 2020} was a date in 2019).
func dateField(L *LState, tb *LTable, key string) int {
	v := getIntField(L, tb, key, math.MinInt)
	if v == math.MinInt {
		L.raiseCallerError("field '%s' missing in date table", key)
	}
	return v
}

func getBoolField(L *LState, tb *LTable, key string, v bool) bool {
	ret := tb.RawGetString(key)
	if lb, ok := ret.(LBool); ok {
		return bool(lb)
	}
	return v
}

func OpenOs(L *LState) int {
	osmod := L.RegisterModule(OsLibName, osFuncs)
	L.Push(osmod)
	return 1
}

var osFuncs = map[string]LGFunction{
	"clock":     osClock,
	"difftime":  osDiffTime,
	"execute":   osExecute,
	"exit":      osExit,
	"date":      osDate,
	"getenv":    osGetEnv,
	"remove":    osRemove,
	"rename":    osRename,
	"setenv":    osSetEnv,
	"setlocale": osSetLocale,
	"time":      osTime,
	"tmpname":   osTmpname,
}

func osClock(L *LState) int {
	L.Push(LNumber(float64(time.Now().Sub(startedAt)) / float64(time.Second)))
	return 1
}

// osDiffTime is t2 - t1 in seconds, t1 0 when omitted (LuaJIT's
// luaL_optnumber; gopher-lua required it), both truncated to time_t.
func osDiffTime(L *LState) int {
	L.Push(LNumber(L.CheckInt64(1) - L.OptInt64(2, 0)))
	return 1
}

func osExecute(L *LState) int {
	var procAttr os.ProcAttr
	procAttr.Files = []*os.File{os.Stdin, os.Stdout, os.Stderr}
	cmd, args := popenArgs(L.CheckString(1))
	args = append([]string{cmd}, args...)
	process, err := os.StartProcess(cmd, args, &procAttr)
	if err != nil {
		L.Push(LNumber(1))
		return 1
	}

	ps, err := process.Wait()
	if err != nil || !ps.Success() {
		L.Push(LNumber(1))
		return 1
	}
	L.Push(LNumber(0))
	return 1
}

func osExit(L *LState) int {
	L.Close()
	os.Exit(L.OptInt(1, 0))
	return 1
}

// osDate is LuaJIT's os.date([format [, time]]): "!" first for UTC, "*t"
// a table (with yday and isdst; gopher-lua gave yday 0), else C's
// strftime conversions (cStrftime).
func osDate(L *LState) int {
	t := time.Now()
	cfmt := L.OptString(1, "%c")
	if L.Get(2) != LNil {
		t = time.Unix(L.CheckInt64(2), 0)
	}
	isUTC := strings.HasPrefix(cfmt, "!")
	if isUTC {
		cfmt = cfmt[1:]
		t = t.UTC()
	}
	if cfmt == "*t" {
		ret := L.CreateTable(0, 9)
		ret.RawSetString("year", LNumber(t.Year()))
		ret.RawSetString("month", LNumber(t.Month()))
		ret.RawSetString("day", LNumber(t.Day()))
		ret.RawSetString("hour", LNumber(t.Hour()))
		ret.RawSetString("min", LNumber(t.Minute()))
		ret.RawSetString("sec", LNumber(t.Second()))
		ret.RawSetString("wday", LNumber(t.Weekday()+1))
		ret.RawSetString("yday", LNumber(t.YearDay()))
		ret.RawSetString("isdst", LBool(!isUTC && t.IsDST()))
		L.Push(ret)
		return 1
	}
	L.Push(LString(cStrftime(t, isUTC, cfmt)))
	return 1
}

func osGetEnv(L *LState) int {
	v := os.Getenv(L.CheckString(1))
	if len(v) == 0 {
		L.Push(LNil)
	} else {
		L.Push(LString(v))
	}
	return 1
}

func osRemove(L *LState) int {
	name := L.CheckString(1)
	return osResult(L, name, os.Remove(name))
}

func osRename(L *LState) int {
	from, to := L.CheckString(1), L.CheckString(2)
	return osResult(L, from, os.Rename(from, to))
}

// osResult returns true, or what LuaJIT's os.remove and os.rename return
// on failure: nil, "name: " and C's strerror text, and errno (gopher-lua
// returned Go's "remove name: no such file or directory" and no errno).
// glibc's texts are Go's with a capital first letter.
func osResult(L *LState, name string, err error) int {
	if err == nil {
		L.Push(LTrue)
		return 1
	}
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		L.Push(LNil)
		L.Push(LString(name + ": " + err.Error()))
		return 2
	}
	L.Push(LNil)
	L.Push(LString(name + ": " + strerror(errno)))
	L.Push(LNumber(errno))
	return 3
}

func osSetLocale(L *LState) int {
	// setlocale is not supported
	L.Push(LFalse)
	return 1
}

func osSetEnv(L *LState) int {
	err := os.Setenv(L.CheckString(1), L.CheckString(2))
	if err != nil {
		L.Push(LNil)
		L.Push(LString(err.Error()))
		return 2
	} else {
		L.Push(LTrue)
		return 1
	}
}

func osTime(L *LState) int {
	if L.GetTop() == 0 {
		L.Push(LNumber(time.Now().Unix()))
	} else {
		lv := L.CheckAny(1)
		if lv == LNil {
			L.Push(LNumber(time.Now().Unix()))
		} else {
			tbl, ok := lv.(*LTable)
			if !ok {
				L.TypeError(1, LTTable)
			}
			sec := getIntField(L, tbl, "sec", 0)
			min := getIntField(L, tbl, "min", 0)
			hour := getIntField(L, tbl, "hour", 12)
			day := dateField(L, tbl, "day")
			month := dateField(L, tbl, "month")
			year := dateField(L, tbl, "year")
			isdst := getBoolField(L, tbl, "isdst", false)
			t := time.Date(year, time.Month(month), day, hour, min, sec, 0, time.Local)
			// TODO dst
			if false {
				print(isdst)
			}
			L.Push(LNumber(t.Unix()))
		}
	}
	return 1
}

func osTmpname(L *LState) int {
	file, err := os.CreateTemp("", "")
	if err != nil {
		L.RaiseError("unable to generate a unique filename")
	}
	file.Close()
	os.Remove(file.Name()) // ignore errors
	L.Push(LString(file.Name()))
	return 1
}

//

// strerror is C's strerror text of err's errno ("No such file or
// directory"), else err's own text.
func strerror(err error) string {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return err.Error()
	}
	msg := errno.Error()
	if msg != "" && msg[0] >= 'a' && msg[0] <= 'z' {
		msg = string(msg[0]-'a'+'A') + msg[1:]
	}
	return msg
}
