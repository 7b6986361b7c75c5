package lualib

import (
	"math"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// maxHTTPDays caps dates at 9999-12-31 23:59:59, as ngx_gmtime does.
const maxHTTPDays = 2932896

var (
	weekDays = [7]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}
	months   = [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
)

// registerNgxClock sets ngx.now, time, today, localtime, utctime and
// update_time, all reading clock. Like lua-resty-core they ignore their
// arguments.
func registerNgxClock(L *lua.LState, ngx *lua.LTable, clock Clock) {
	setFuncs(L, ngx, map[string]lua.LGFunction{
		"now": func(L *lua.LState) int {
			t := clock.Now()
			ms := t.UnixMilli()
			L.Push(lua.LNumber(float64(ms/1000) + float64(ms%1000)/1000))
			return 1
		},
		"time": func(L *lua.LState) int {
			L.Push(lua.LNumber(clock.Now().Unix()))
			return 1
		},
		"today": func(L *lua.LState) int {
			L.Push(lua.LString(clock.Now().Local().Format("2006-01-02")))
			return 1
		},
		"localtime": func(L *lua.LState) int {
			L.Push(lua.LString(clock.Now().Local().Format("2006-01-02 15:04:05")))
			return 1
		},
		"utctime": func(L *lua.LState) int {
			L.Push(lua.LString(clock.Now().UTC().Format("2006-01-02 15:04:05")))
			return 1
		},
		"update_time": func(L *lua.LState) int {
			if u, ok := clock.(clockUpdater); ok {
				u.Update()
			}
			return 0
		},
	})
}

// httpSeconds converts a Lua number to the time_t nginx formats: truncated,
// with values C cannot convert (NaN, +-inf, beyond int64) becoming the
// x86 "integer indefinite" INT64_MIN, and negative times clamped to 0.
func httpSeconds(f float64) int64 {
	if math.IsNaN(f) || f >= math.MaxInt64 || f < math.MinInt64 {
		return 0
	}
	if t := int64(f); t > 0 {
		return t
	}
	return 0
}

// gmtime is ngx_gmtime: the UTC broken-down time, capped at year 9999.
func gmtime(sec int64) time.Time {
	days, rem := sec/86400, sec%86400
	if days > maxHTTPDays {
		days, rem = maxHTTPDays, 86399
	}
	return time.Unix(days*86400+rem, 0).UTC()
}

// HTTPTime formats sec as ngx.http_time does: "Thu, 18 Nov 2010 11:27:35 GMT".
func HTTPTime(sec float64) string {
	t := gmtime(httpSeconds(sec))
	return weekDays[t.Weekday()] + ", " + pad2(t.Day()) + " " + months[t.Month()-1] + " " +
		itoa(t.Year()) + " " + clock3(t) + " GMT"
}

// CookieTime formats sec as ngx.cookie_time does: "Thu, 18-Nov-10 11:27:35
// GMT", with a four-digit year after 2037.
func CookieTime(sec float64) string {
	t := gmtime(httpSeconds(sec))
	year := pad2(t.Year() % 100)
	if t.Year() > 2037 {
		year = itoa(t.Year())
	}
	return weekDays[t.Weekday()] + ", " + pad2(t.Day()) + "-" + months[t.Month()-1] + "-" +
		year + " " + clock3(t) + " GMT"
}

func pad2(n int) string {
	if n < 10 {
		return "0" + itoa(n)
	}
	return itoa(n)
}

func clock3(t time.Time) string {
	return pad2(t.Hour()) + ":" + pad2(t.Minute()) + ":" + pad2(t.Second())
}

func ngxHTTPTime(L *lua.LState) int {
	n, ok := L.Get(1).(lua.LNumber)
	if !ok {
		L.RaiseError("number argument only")
	}
	L.Push(lua.LString(HTTPTime(float64(n))))
	return 1
}

func ngxCookieTime(L *lua.LState) int {
	n, ok := L.Get(1).(lua.LNumber)
	if !ok {
		L.RaiseError("number argument only")
	}
	L.Push(lua.LString(CookieTime(float64(n))))
	return 1
}

func ngxParseHTTPTime(L *lua.LState) int {
	s, ok := L.Get(1).(lua.LString)
	if !ok {
		L.RaiseError("string argument only")
	}
	sec, ok := ParseHTTPTime(string(s))
	if !ok {
		L.Push(lua.LNil)
	} else {
		L.Push(lua.LNumber(sec))
	}
	return 1
}

// HTTP date layouts nginx's parser recognises.
const (
	fmtUnknown = iota
	fmtRFC822  // Sun, 06 Nov 1994 08:49:37 GMT
	fmtRFC850  // Sunday, 06-Nov-94 08:49:37 GMT
	fmtISOC    // Sun Nov  6 08:49:37 1994
)

// ParseHTTPTime parses an HTTP date the way nginx's ngx_parse_http_time
// does (and so ngx.parse_http_time): RFC 822/1123, RFC 850 (two-digit
// years: < 70 means 20xx) and asctime layouts; the week day is skipped
// unchecked, months are case-sensitive, anything after the time (or the
// asctime year) is ignored, Feb 29 is checked against leap years and day 0
// is accepted. Like ngx_lua, a result of -1 reads as failure.
func ParseHTTPTime(s string) (int64, bool) {
	at := func(i int) byte {
		if i < len(s) {
			return s[i]
		}
		return 0
	}
	digit := func(i int) (int, bool) {
		c := at(i)
		return int(c - '0'), c >= '0' && c <= '9'
	}
	two := func(i int) (int, bool) {
		a, ok1 := digit(i)
		b, ok2 := digit(i + 1)
		return a*10 + b, ok1 && ok2
	}
	layout := fmtUnknown
	p := 0
	for ; p < len(s); p++ {
		if s[p] == ',' {
			break
		}
		if s[p] == ' ' {
			layout = fmtISOC
			break
		}
	}
	for p++; p < len(s) && s[p] == ' '; p++ {
	}
	if len(s)-p < 18 {
		return 0, false
	}
	var day, year int
	var ok bool
	if layout != fmtISOC {
		if day, ok = two(p); !ok {
			return 0, false
		}
		p += 2
		switch at(p) {
		case ' ':
			if len(s)-p < 18 {
				return 0, false
			}
			layout = fmtRFC822
		case '-':
			layout = fmtRFC850
		default:
			return 0, false
		}
		p++
	}
	month := -1
	switch at(p) {
	case 'J':
		switch {
		case at(p+1) == 'a':
			month = 0
		case at(p+2) == 'n':
			month = 5
		default:
			month = 6
		}
	case 'F':
		month = 1
	case 'M':
		if at(p+2) == 'r' {
			month = 2
		} else {
			month = 4
		}
	case 'A':
		if at(p+1) == 'p' {
			month = 3
		} else {
			month = 7
		}
	case 'S':
		month = 8
	case 'O':
		month = 9
	case 'N':
		month = 10
	case 'D':
		month = 11
	default:
		return 0, false
	}
	p += 3
	if (layout == fmtRFC822 && at(p) != ' ') || (layout == fmtRFC850 && at(p) != '-') {
		return 0, false
	}
	p++
	switch layout {
	case fmtRFC822:
		hi, ok1 := two(p)
		lo, ok2 := two(p + 2)
		if !ok1 || !ok2 {
			return 0, false
		}
		year = hi*100 + lo
		p += 4
	case fmtRFC850:
		if year, ok = two(p); !ok {
			return 0, false
		}
		if year < 70 {
			year += 2000
		} else {
			year += 1900
		}
		p += 2
	case fmtISOC:
		if at(p) == ' ' {
			p++
		}
		if day, ok = digit(p); !ok {
			return 0, false
		}
		p++
		if at(p) != ' ' {
			d2, ok := digit(p)
			if !ok {
				return 0, false
			}
			day = day*10 + d2
			p++
		}
		if len(s)-p < 14 {
			return 0, false
		}
	}
	if at(p) != ' ' {
		return 0, false
	}
	p++
	hour, ok1 := two(p)
	if !ok1 || at(p+2) != ':' {
		return 0, false
	}
	min, ok2 := two(p + 3)
	if !ok2 || at(p+5) != ':' {
		return 0, false
	}
	sec, ok3 := two(p + 6)
	if !ok3 {
		return 0, false
	}
	p += 8
	if layout == fmtISOC {
		if at(p) != ' ' {
			return 0, false
		}
		hi, ok1 := two(p + 1)
		lo, ok2 := two(p + 3)
		if !ok1 || !ok2 {
			return 0, false
		}
		year = hi*100 + lo
	}
	if hour > 23 || min > 59 || sec > 59 {
		return 0, false
	}
	mdays := [12]int{31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}
	if day == 29 && month == 1 {
		if year%4 != 0 || (year%100 == 0 && year%400 != 0) {
			return 0, false
		}
	} else if day > mdays[month] {
		return 0, false
	}
	// Days since the epoch; time.Date normalises day 0 to the previous
	// month's last day, as nginx's arithmetic does.
	t := time.Date(year, time.Month(month+1), day, hour, min, sec, 0, time.UTC).Unix()
	if t == -1 {
		return 0, false
	}
	return t, true
}
