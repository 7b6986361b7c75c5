// Package lessons is RestyLab's course: lessons embedded in the binary, each
// with its text in English and Simplified Chinese, a starter workspace,
// experiments, a task, hints, reference solutions and checks, and the runner
// that scores a learner's instance against a lesson's checks.
//
// # Lesson folders
//
// Every lesson is a folder content/NN-slug (NN is its place in the course,
// slug its id); adding one needs no Go change. docs/lessons.md describes the
// files: lesson.txt (titles, summary, status), en/ and zh/ (text.md,
// task.md, hints.md), starter/, solution/ and solution2/ (workspaces:
// nginx.conf and Lua files), experiments.txt and checks.txt (blocks in a
// format close to Test::Nginx's). Load validates everything and names the
// file and line of the first problem.
//
// # Checks
//
// A check sends its request (or a burst), records the instance's trace and
// error_log while it does, and asserts on the responses, the log lines and
// the trace of the check's own requests. Lesson.Check runs them against a
// Target: the web lab's sandboxed instance, or an Engine serving a workspace
// in-process (tests). Each check passes or fails on its own; a failure says
// in one sentence what was expected and what happened, in the learner's
// language, plus the check's hint.
//
// Concurrency: a loaded Lesson is read-only and safe to share. Check runs
// its checks one after the other; two Checks on one Target at the same time
// would see each other's requests in the trace, so callers run one at a time
// per instance.
package lessons
