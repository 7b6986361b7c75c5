package views

// Lang is a UI language: "en" or "zh".
type Lang string

// The languages of the UI.
const (
	English Lang = "en"
	Chinese Lang = "zh"
)

// ParseLang returns the language named by s ("zh", "zh-CN" ...), English
// for anything else.
func ParseLang(s string) Lang {
	if len(s) >= 2 && s[:2] == "zh" {
		return Chinese
	}
	return English
}

// messages holds the server-rendered strings; the front end has its own
// dictionary for the strings it draws.
var messages = map[string][2]string{
	"tagline":             {"See how OpenResty runs your Lua: one worker, many coroutines, never waiting.", "看见 OpenResty 如何运行你的 Lua：一个 worker，许多协程，从不等待。"},
	"nav.home":            {"Home", "首页"},
	"nav.play":            {"Playground", "实验场"},
	"nav.lessons":         {"Lessons", "课程"},
	"lessons.title":       {"The OpenResty course", "OpenResty 课程"},
	"lessons.lead":        {"Sixteen lessons, each with a live experiment, a task and checks that run against your own server instance: from a first content_by_lua to coroutines, epoll, phases and Redis.", "十六课，每课都有现场实验、任务，以及在你自己的服务器实例上运行的检查：从第一个 content_by_lua 到协程、epoll、各个阶段和 Redis。"},
	"lessons.saved":       {"Opening a lesson loads its starter code; the code it replaces is kept as a snapshot. Progress is saved with your session.", "打开一课会载入它的起始代码；被替换的代码会保存为快照。进度随会话保存。"},
	"lessons.coming":      {"being written", "编写中"},
	"lessons.done":        {"done", "已完成"},
	"lessons.score":       {"best", "最好成绩"},
	"lesson.notcurrent":   {"The editor holds other code. Load this lesson's starter to begin (your code is kept as a snapshot).", "编辑器里是别的代码。载入本课的起始代码即可开始（你的代码会保存为快照）。"},
	"lesson.start":        {"Load the starter", "载入起始代码"},
	"lesson.experiments":  {"Try it", "动手试试"},
	"lesson.task":         {"Your task", "你的任务"},
	"lesson.hints":        {"Hints", "提示"},
	"lesson.check":        {"Check my work", "检查我的答案"},
	"home.course":         {"Take the course", "开始学习课程"},
	"home.course.lead":    {"Learn OpenResty lesson by lesson: each one runs on your own server, and checks tell you when you got it.", "一课一课地学习 OpenResty：每课都在你自己的服务器上运行，检查会告诉你是否做对了。"},
	"nav.about":           {"How it differs", "与 OpenResty 的差异"},
	"about.refused":       {"Directives the lab refuses", "实验室拒绝的指令"},
	"about.refused.lead":  {"These belong to nginx modules the lab does not have. Loading a configuration that uses one fails with the reason and what to use instead, at its file and line.", "这些指令属于实验室没有的 nginx 模块。加载使用它们的配置会失败，并在对应的文件和行给出原因和替代做法。"},
	"about.noeffect":      {"Directives accepted without effect", "接受但不起作用的指令"},
	"about.noeffect.lead": {"Tuning directives that production configurations carry. The lab checks their values as nginx does, then ignores them: your configuration loads unchanged.", "生产环境配置中常见的调优指令。实验室像 nginx 一样检查它们的取值，然后忽略：你的配置可以原样加载。"},
	"about.directive":     {"Directive", "指令"},
	"about.why":           {"Why", "原因"},
	"about.instead":       {"Use instead", "替代做法"},
	"about.title":         {"How the lab differs from OpenResty", "本实验室与 OpenResty 的差异"},
	"about.lead":          {"The lab runs your nginx.conf on its own engine, checked against nginx 1.22 with ngx_lua 0.10.23 by hundreds of differential tests. Where it cannot behave the same, it says so here.", "本实验室用自己的引擎运行你的 nginx.conf，并通过数百个对照测试与 nginx 1.22 + ngx_lua 0.10.23 比较。无法做到一致的地方都列在这里。"},
	"open.play":           {"Open the playground", "打开实验场"},
	"home.lead":           {"Edit the Lua of each nginx phase, fire one request or a burst of hundreds at your own server instance, and watch every coroutine switch, timer and epoll event live.", "编辑每个 nginx 阶段的 Lua，向你自己的服务器实例发送一个或数百个请求，实时观察每一次协程切换、定时器和 epoll 事件。"},
	"home.examples":       {"Start from an example", "从示例开始"},
	"home.example.go":     {"Open in my playground", "在我的实验场中打开"},
	"home.saved":          {"Your current code is kept as a snapshot before an example replaces it.", "示例替换前，你当前的代码会保存为快照。"},
	"home.truth":          {"The lab emulates nginx 1.22 + ngx_lua 0.10.23 and is checked against it. Where it differs (Lua 5.1 instead of LuaJIT, no FFI), it says so.", "本实验室模拟 nginx 1.22 + ngx_lua 0.10.23，并以其为准进行对照测试。不同之处（Lua 5.1 而非 LuaJIT，没有 FFI）会明确说明。"},
	"lang.switch":         {"中文", "English"},
	"theme.toggle":        {"Theme", "主题"},
	"share.title":         {"Shared snippet", "分享的代码"},
	"share.readonly":      {"A read-only snapshot. Fork it to run and change it in your own session.", "只读快照。派生到你自己的会话中即可运行和修改。"},
	"share.fork":          {"Fork into my playground", "派生到我的实验场"},
	"share.embed":         {"Embed on a page", "嵌入到网页"},
	"share.created":       {"Created", "创建于"},
	"notfound":            {"Not found", "未找到"},
	"notfound.body":       {"There is nothing at this address.", "此地址没有内容。"},
	"nojs":                {"The playground needs JavaScript.", "实验场需要 JavaScript。"},
	"nobundle":            {"The front end is not built into this binary: run `make web` (or `make build`) and restart.", "此二进制文件未包含前端：请运行 `make web`（或 `make build`）后重启。"},
	"skip":                {"Skip to content", "跳到正文"},
	"embed.note":          {"a live OpenResty lab: edit, apply, fire requests", "在线 OpenResty 实验室：编辑、应用、发送请求"},
}

// T returns the string key in lang; a missing key shows itself.
func T(lang Lang, key string) string {
	m, ok := messages[key]
	if !ok {
		return key
	}
	if lang == Chinese {
		return m[1]
	}
	return m[0]
}
