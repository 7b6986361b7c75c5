-- The os library (deterministic parts only: fixed times, UTC).
-- @@ time_table
print(os.time({year = 2020, month = 1, day = 1, hour = 0}) - os.time({year = 2019, month = 12, day = 31, hour = 0}))
-- @@ time_normalize
print(os.time({year = 2021, month = 2, day = 29, hour = 12}) == os.time({year = 2021, month = 3, day = 1, hour = 12}))
-- @@ time_missing_field
print(pcall(os.time, {year = 2020}))
-- @@ time_type
print(type(os.time()), os.time() > 1600000000)
-- @@ date_utc
print(os.date("!%Y-%m-%d %H:%M:%S", 86400 * 365))
-- @@ date_utc_table
local t = os.date("!*t", 1234567890)
print(t.year, t.month, t.day, t.hour, t.min, t.sec, t.wday, t.yday, t.isdst)
-- @@ date_formats
print(os.date("!%a %A %b %B %d %j %p %y %%", 1234567890))
-- @@ date_c
print(os.date("!%c", 1234567890))
-- @@ date_x_X
print(os.date("!%x %X %D %H %I %M %S %U %w %W", 1234567890))
-- @@ date_bad_conversion
print(pcall(os.date, "!%Q", 0))
-- @@ date_default_type
print(type(os.date()), #os.date("!%Y", 0))
-- @@ difftime
print(os.difftime(10, 4), os.difftime(5))
-- @@ clock_type
print(type(os.clock()), os.clock() >= 0)
-- @@ getenv_missing
print(os.getenv("RESTYLAB_SURELY_UNSET_VARIABLE_XYZ"))
-- @@ getenv_bad
print(pcall(os.getenv))
-- @@ tmpname_type
print(type(os.tmpname))
-- @@ remove_missing
local ok, err = os.remove("/nonexistent/restylab/file")
print(ok, err)
-- @@ rename_missing
print(os.rename("/nonexistent/restylab/a", "/nonexistent/restylab/b"))
-- @@ date_star_t_fields
local t = os.date("!*t", 0)
local keys = {}
for k in pairs(t) do keys[#keys + 1] = k end
table.sort(keys)
print(table.concat(keys, " "))
-- @@ time_roundtrip
local t = {year = 2001, month = 9, day = 9, hour = 1, min = 46, sec = 40}
local tt = os.date("*t", os.time(t))
print(tt.year, tt.month, tt.day, tt.hour, tt.min, tt.sec)
