local args = ngx.req.get_uri_args()
local name = args.name
if type(name) ~= "string" then
    name = "OpenResty"
end
ngx.print(string.format("Hello, %s!\n", name))
