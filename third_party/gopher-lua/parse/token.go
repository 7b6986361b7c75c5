package parse

// The token types that are not single characters (a single character's
// type is the character).
const (
	TAnd = 57346 + iota
	TBreak
	TDo
	TElse
	TElseIf
	TEnd
	TFalse
	TFor
	TFunction
	TIf
	TIn
	TLocal
	TNil
	TNot
	TOr
	TReturn
	TRepeat
	TThen
	TTrue
	TUntil
	TWhile
	TGoto
	TEqeq
	TNeq
	TLte
	TGte
	T2Comma
	T3Comma
	T2Colon
	TIdent
	TNumber
	TString
)

// TokenName is how LuaJIT's messages name a token type: "end", "==",
// "<name>", "<eof>", "=".
func TokenName(c int) string { return tokenText(c) }
