-- string.format: every conversion, flags, widths, precisions, errors.
-- @@ d_basic
print(string.format("%d %5d %-5d| %05d %+d % d", 42, 42, 42, 42, 42, 42))
-- @@ d_float
print(string.format("%d %d %d", 3.7, -3.7, 2^31))
-- @@ d_big
print(string.format("%d", 2^53), string.format("%d", -2^63))
-- @@ d_string
print(string.format("%d", "12"), pcall(string.format, "%d", "x"))
-- @@ i_conv
print(string.format("%i", 7))
-- @@ u_o_x
print(string.format("%u %o %x %X %#x %#o", 255, 255, 255, 255, 255, 8))
-- @@ x_negative
print(string.format("%x", -1), string.format("%o", -8))
-- @@ c_conv
print(string.format("%c%c%c", 76, 117, 97), #string.format("%c", 0))
-- @@ e_conv
print(string.format("%e %.2e %E %10.3e", 12345.678, 0.000123, 1e100, -5))
-- @@ f_conv
print(string.format("%f %.2f %10.3f %-10.1f| %+.1f %.0f", 3.14159, 2.675, -1.5, 2.25, 1, 0.5))
-- @@ f_rounding
print(string.format("%.1f %.1f %.1f %.2f %.0f %.0f", 0.05, 0.15, 0.25, 1.005, 1.5, 2.5))
-- @@ g_conv
print(string.format("%g %g %g %g %g %G", 100000, 1e6, 1e-5, 0.0001, 123456789, 1e-10))
-- @@ g_precision
print(string.format("%.3g %.10g %#g %g", 3.14159, 1/3, 1, 0))
-- @@ a_conv
print(string.format("%a %a %A", 1, 0.5, 255))
-- @@ s_conv
print(string.format("[%s] [%10s] [%-10s] [%.2s]", "abc", "abc", "abc", "abc"))
-- @@ s_nonstring
print(string.format("%s %s %s %s", nil, true, 12, 1.5))
-- @@ s_tostring_meta
print(string.format("%s", setmetatable({}, {__tostring = function() return "META" end})))
-- @@ s_embedded_zero
print(#string.format("%s", "a\0b"))
-- @@ q_conv
print(string.format("%q", 'he said "hi"\n\tand \\ left\0!'))
-- @@ q_control
print(string.format("%q", "\1\0012\r\127"))
-- @@ q_number
print(string.format("%q", 1/3), (select(2, pcall(string.format, "%q", {})):gsub("0x%x+", "ADDR")))
-- @@ percent
print(string.format("100%%"), string.format("%5%"))
-- @@ inf_nan
print(string.format("%f %f %e %g %5.1f %d", 1/0, -1/0, 1/0, 0/0 ~= 0/0 and 1/0 or 0, -1/0, 3))
-- @@ nan_format
local nan = 0/0
print(string.format("%f", nan) == "nan" or string.format("%f", nan) == "-nan", string.format("%.1f", -nan) ~= "")
-- @@ missing_arg
print(pcall(string.format, "%d"))
print(pcall(string.format, "%s %s", 1))
-- @@ bad_option
print(pcall(string.format, "%y", 1))
print(pcall(string.format, "%", 1))
-- @@ too_long
print(pcall(string.format, "%123d", 1))
print(pcall(string.format, "%.123f", 1))
-- @@ no_format_arg
print(pcall(string.format))
-- @@ extra_args
print(string.format("%d", 1, 2, 3))
-- @@ number_as_format
print(string.format(12))
-- @@ width_star
print(pcall(string.format, "%*d", 5, 1))
-- @@ flags_combo
print(string.format("[%-+6d] [%+06.1f] [%#.0f] [%- 5d]", 5, 3.14159, 3, 7))
-- @@ s_number_precision
print(string.format("%.3s|%5.1s|", 12345, "xyz"))
-- @@ x_float
print(pcall(string.format, "%x", 1.5))
-- @@ format_method
print(("%s-%s"):format("a", "b"))
-- @@ g_large
print(string.format("%g %g %g", 2^53, 2^63, 1e300 * 10))
-- @@ f_large
print(string.format("%.0f", 2^70), string.format("%.3f", 1e15 / 7))
-- @@ e_small
print(string.format("%e", 5e-324), string.format("%g", 2.2250738585072014e-308))
-- @@ c_wide
print(string.format("[%3c]", 65))
-- @@ d_precision
print(string.format("%.3d|%8.3d|%-8.3d|", 5, 5, -5))
