package lua

import (
	"strconv"
	"time"
)

// RestyLab: os.date's conversions as LuaJIT 2.1 gives them, which passes
// each "%c" of the format (with an E or O modifier) to C's strftime in the
// "C" locale (glibc's output). gopher-lua mapped a few of them to Go's
// layouts, with other answers: %a was "mon", %c "13 Feb 09 23:31 UTC", %x
// the time, and %j, %D, %U, %W stayed as they were written.

var (
	cWeekdays = [...]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
	cMonths   = [...]string{"January", "February", "March", "April", "May", "June", "July",
		"August", "September", "October", "November", "December"}
)

// cStrftime formats t as LuaJIT's os.date does: a % before the format's
// end and its conversion letter (an E or O modifier between them changes
// nothing in the C locale) become strftime's answer; an unknown
// conversion, and a lone modifier, stay as written; a % at the end is
// itself. utc names the zone "GMT", as glibc's gmtime does.
func cStrftime(t time.Time, utc bool, format string) string {
	b := make([]byte, 0, len(format)+16)
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' || i+1 == len(format) {
			b = append(b, c)
			continue
		}
		i++
		c = format[i]
		if (c == 'E' || c == 'O') && i+1 < len(format) {
			if nb, ok := cConversion(b, t, utc, format[i+1]); ok {
				b = nb
				i++
				continue
			}
			b = append(b, '%', c, format[i+1])
			i++
			continue
		}
		if nb, ok := cConversion(b, t, utc, c); ok {
			b = nb
		} else {
			b = append(b, '%', c)
		}
	}
	return string(b)
}

// pad2 appends n as two digits, padded with pad ('0' or ' ').
func pad2(b []byte, n int, pad byte) []byte {
	if n < 10 {
		b = append(b, pad)
	}
	return strconv.AppendInt(b, int64(n), 10)
}

// cConversion appends strftime's conversion c of t to b; false when glibc
// does not know c.
func cConversion(b []byte, t time.Time, utc bool, c byte) ([]byte, bool) {
	yday := t.YearDay() - 1
	wday := int(t.Weekday())
	hour12 := t.Hour() % 12
	if hour12 == 0 {
		hour12 = 12
	}
	switch c {
	case 'a':
		b = append(b, cWeekdays[wday][:3]...)
	case 'A':
		b = append(b, cWeekdays[wday]...)
	case 'b', 'h':
		b = append(b, cMonths[t.Month()-1][:3]...)
	case 'B':
		b = append(b, cMonths[t.Month()-1]...)
	case 'c':
		b, _ = cConversion(b, t, utc, 'a')
		b = append(b, ' ')
		b, _ = cConversion(b, t, utc, 'b')
		b = append(b, ' ')
		b = pad2(b, t.Day(), ' ')
		b = append(b, ' ')
		b, _ = cConversion(b, t, utc, 'T')
		b = append(b, ' ')
		b = strconv.AppendInt(b, int64(t.Year()), 10)
	case 'C':
		b = pad2(b, t.Year()/100, '0')
	case 'd':
		b = pad2(b, t.Day(), '0')
	case 'D', 'x':
		b = pad2(b, int(t.Month()), '0')
		b = append(b, '/')
		b = pad2(b, t.Day(), '0')
		b = append(b, '/')
		b = pad2(b, t.Year()%100, '0')
	case 'e':
		b = pad2(b, t.Day(), ' ')
	case 'F':
		b = strconv.AppendInt(b, int64(t.Year()), 10)
		b = append(b, '-')
		b = pad2(b, int(t.Month()), '0')
		b = append(b, '-')
		b = pad2(b, t.Day(), '0')
	case 'g':
		y, _ := t.ISOWeek()
		b = pad2(b, y%100, '0')
	case 'G':
		y, _ := t.ISOWeek()
		b = strconv.AppendInt(b, int64(y), 10)
	case 'H':
		b = pad2(b, t.Hour(), '0')
	case 'I':
		b = pad2(b, hour12, '0')
	case 'j':
		if yday+1 < 100 {
			b = append(b, '0')
		}
		b = pad2(b, yday+1, '0')
	case 'k':
		b = pad2(b, t.Hour(), ' ')
	case 'l':
		b = pad2(b, hour12, ' ')
	case 'm':
		b = pad2(b, int(t.Month()), '0')
	case 'M':
		b = pad2(b, t.Minute(), '0')
	case 'n':
		b = append(b, '\n')
	case 'p':
		if t.Hour() < 12 {
			b = append(b, "AM"...)
		} else {
			b = append(b, "PM"...)
		}
	case 'P':
		if t.Hour() < 12 {
			b = append(b, "am"...)
		} else {
			b = append(b, "pm"...)
		}
	case 'r':
		b = pad2(b, hour12, '0')
		b = append(b, ':')
		b = pad2(b, t.Minute(), '0')
		b = append(b, ':')
		b = pad2(b, t.Second(), '0')
		b = append(b, ' ')
		b, _ = cConversion(b, t, utc, 'p')
	case 'R':
		b = pad2(b, t.Hour(), '0')
		b = append(b, ':')
		b = pad2(b, t.Minute(), '0')
	case 's':
		// glibc reads the broken-down time as local time (mktime)
		l := time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, time.Local)
		b = strconv.AppendInt(b, l.Unix(), 10)
	case 'S':
		b = pad2(b, t.Second(), '0')
	case 't':
		b = append(b, '\t')
	case 'T', 'X':
		b = pad2(b, t.Hour(), '0')
		b = append(b, ':')
		b = pad2(b, t.Minute(), '0')
		b = append(b, ':')
		b = pad2(b, t.Second(), '0')
	case 'u':
		b = strconv.AppendInt(b, int64((wday+6)%7+1), 10)
	case 'U':
		b = pad2(b, (yday+7-wday)/7, '0')
	case 'V':
		_, w := t.ISOWeek()
		b = pad2(b, w, '0')
	case 'w':
		b = strconv.AppendInt(b, int64(wday), 10)
	case 'W':
		b = pad2(b, (yday+7-(wday+6)%7)/7, '0')
	case 'y':
		b = pad2(b, t.Year()%100, '0')
	case 'Y':
		b = strconv.AppendInt(b, int64(t.Year()), 10)
	case 'z':
		_, off := t.Zone()
		sign := byte('+')
		if off < 0 {
			sign, off = '-', -off
		}
		b = append(b, sign)
		b = pad2(b, off/3600, '0')
		b = pad2(b, off%3600/60, '0')
	case 'Z':
		if utc {
			b = append(b, "GMT"...)
		} else {
			name, _ := t.Zone()
			b = append(b, name...)
		}
	case '%':
		b = append(b, '%')
	default:
		return b, false
	}
	return b, true
}
