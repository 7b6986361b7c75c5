package views

// Join is the data of the join page.
type Join struct {
	To    string // the lab page to open after joining
	Error string // a message key: join.wrong, join.limited ("" for none)
	// Unknown is the well-formed session id of the browser's cookie that
	// this lab does not know ("" for none): the page says so.
	Unknown string
}

// TeacherLesson is a lesson the teacher may push to the class.
type TeacherLesson struct {
	ID    string
	Title string
}

// TeacherWorkspace is a learner's workspace as the teacher sees it.
type TeacherWorkspace struct {
	ID, Short, Name string
	Lesson          string
	State           string
	Error           string // the last load error or instance exit reason
	Updated         string
	Files           []SharedFile
}

// classroomMessages are the strings of the join and teacher pages; the
// teacher page's live tables take theirs from the front end's dictionary.
var classroomMessages = map[string][2]string{
	"join.title":          {"Join the class", "加入课堂"},
	"join.lead":           {"Your teacher gave you a join code. Enter it to get your own workspace and server.", "老师给了你一个加入码。输入它，即可获得你自己的工作区和服务器。"},
	"join.unknown":        {"This lab does not know your earlier session", "本实验室不认识你之前的会话"},
	"join.unknown.more":   {"(it may live on another replica of the lab, out of reach from here, or it was removed): join again for a new session, and the playground will offer the code this browser kept.", "（它可能在本页无法访问的另一个实验室副本上，也可能已被删除）：请重新加入以获得新会话，实验场会提供这个浏览器保存的代码。"},
	"join.code":           {"Join code", "加入码"},
	"join.name":           {"Your name (optional, shown to your teacher)", "你的名字（可选，老师可见）"},
	"join.submit":         {"Join", "加入"},
	"join.wrong":          {"That join code is not right. Ask your teacher for it.", "加入码不正确，请向老师询问。"},
	"join.limited":        {"Too many wrong attempts from your address: wait a minute, then try again.", "来自你的地址的错误尝试太多：请等一分钟后再试。"},
	"teacher.title":       {"Teacher", "教师"},
	"teacher.login":       {"Teacher login", "教师登录"},
	"teacher.password":    {"Teacher password", "教师密码"},
	"teacher.submit":      {"Log in", "登录"},
	"teacher.wrong":       {"Wrong password.", "密码错误。"},
	"teacher.logout":      {"Log out", "退出登录"},
	"teacher.workspace":   {"A learner's workspace", "学员的工作区"},
	"teacher.readonly":    {"Read-only: this is the learner's saved code; nothing here changes it.", "只读：这是学员保存的代码，此处不会修改它。"},
	"teacher.state":       {"Instance", "实例"},
	"teacher.lasterror":   {"Last error", "最近的错误"},
	"teacher.lesson":      {"Lesson", "课程"},
	"teacher.saved":       {"Last saved", "最近保存"},
	"teacher.back":        {"Back to the class", "返回课堂"},
	"teacher.push":        {"Push to every learner", "推送给所有学员"},
	"teacher.push.lead":   {"Replaces every learner's workspace; each learner's current code is kept as a snapshot first.", "替换每位学员的工作区；每位学员当前的代码会先保存为快照。"},
	"teacher.push.lesson": {"A lesson's starter", "某一课的起始代码"},
	"teacher.push.share":  {"Or a share id (/share/ID)", "或一个分享 id（/share/ID）"},
	"teacher.push.button": {"Push", "推送"},
	"teacher.class":       {"Learners", "学员"},
	"teacher.progress":    {"The class's progress", "全班进度"},
	"teacher.noscript":    {"The live tables need JavaScript.", "实时表格需要 JavaScript。"},
	"teacher.trace":       {"The learner's last trace", "学员最近的追踪"},
	"teacher.trace.lead":  {"The events of the learner's latest requests, as their timeline showed them (read-only).", "学员最近请求的事件，与其时间线所显示的相同（只读）。"},
}

func init() {
	for k, v := range classroomMessages {
		messages[k] = v
	}
}
