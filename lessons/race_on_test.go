//go:build race

package lessons

// raceEnabled: the race detector slows Lua several times over, so the
// content test leaves out checks with a time limit (wall, max_slice).
const raceEnabled = true
