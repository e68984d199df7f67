package embed

import "io"

// Internals that the external tests in package embed_test use.

// ConvertTarball is convertTarball.
func ConvertTarball(r io.Reader, w io.Writer, maxWords int) (int, error) {
	return convertTarball(r, w, maxWords)
}

// Tokens returns the tokens of text as the GloVe embedder cuts them.
func Tokens(text string) []string {
	var out []string
	forEachToken(text, nil, func(t []byte) { out = append(out, string(t)) })
	return out
}
