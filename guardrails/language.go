package guardrails

import (
	"fmt"
	"sort"
	"strings"
	"unicode"

	"github.com/slorec/slorec"
)

// Language heuristic thresholds. English SLO prose is full of service
// names, numbers and ids, and the engine's own phrasing is terse
// ("Measured: api-gateway mean hourly p95 latency: 31.1 ms."), so the
// test looks at what names do not change: the script of the letters and
// the function words between the names.
const (
	// maxNonASCII is the largest share of letters outside ASCII an
	// English field has; "Zürich" or "µs" in a sentence stay far below
	// it, while Cyrillic, Chinese or Greek text is near 1.
	maxNonASCII = 0.15
	// minScriptLetters is the fewest letters the script test needs.
	minScriptLetters = 12
	// minWords is the fewest words (of two or more letters, or "a") the
	// function-word test needs.
	minWords = 8
	// minForeign is the fewest function words of one other language that
	// make a field that language, when English has no more of its own.
	minForeign = 2
	// minProseWords and minEnglishShare: a whole draft of at least 30
	// words has at least 5% English function words; terse English is
	// above 10%, text in an unlisted Latin-script language near 0.
	minProseWords   = 30
	minEnglishShare = 0.05
)

var englishWords = wordSet(`the a an of to in on at by for with from into onto over under above below between
through during before after within without about against per via is are was were be been being am it its this
that these those and or but nor not no as than then so if because while when where which who whom whose what how
why has have had having can could will would shall should may might must do does did done we you they he she our
your their them us there here all any each every more most less least only also both either neither such same
other another some many much few very too still even just up down out off again once one me my since until
unless though although whether yet own`)

// foreignWords are function words of languages a drafter might slip
// into, without the ones that are English words too ("in", "an", "also",
// "so", "was", "no", "as", "do", "per", "met", "come", "son", "par") or
// read as names ("os", "com", "mit").
var foreignWords = map[string]map[string]bool{
	"German": wordSet(`der die das und ist nicht den dem des ein eine einen einem einer zu von für auf sich auch
werden wird sind bei nach oder aber wenn kann über durch sollte dass wir sie ihr unter zwischen noch nur mehr wie
vor aus zum zur liegt haben keine kein diese dieser dieses weil jedoch sowie gegen`),
	"French": wordSet(`le la les des du est et une un pour pas sur dans avec que qui ce cette ces sont nous vous
mais ou au aux être été leur très sans entre peut doit elle il ils se sa ses de en`),
	"Spanish": wordSet(`el los las del una unos por para con es que se su sus lo más está están como pero muy sin
sobre entre cuando también hay ser fue esta este estos al de la en`),
	"Italian": wordSet(`il lo gli le di del della che è una uno sono con anche più ma questo questa
essere dei delle nel nella alla la de`),
	"Portuguese": wordSet(`uma de da dos das em na que para não por mais é são ao pelo pela seu sua`),
	"Dutch":      wordSet(`de het een van en niet dat zijn voor op ook maar naar bij wordt worden kan deze dit nog heeft hebben om`),
}

func wordSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// checkLanguage is the language guard. A field fails when more than 15%
// of its letters (at least 12) are outside ASCII, or when it has at least
// 8 words and at least 2 of them are function words of one other language
// (German, French, Spanish, Italian, Portuguese, Dutch), no fewer than its
// English ones. The whole prose is held to the word test too, so a draft
// of short German claims fails, and from 30 words on it needs 5% English
// function words. Fields too short for a test pass it: names and numbers
// alone are not a language.
func checkLanguage(d slorec.Draft) []slorec.Violation {
	var out []slorec.Violation
	var all []string
	for _, f := range prose(d) {
		all = append(all, f.text)
		if got, ok := scriptTest(f.text); !ok {
			out = append(out, slorec.Violation{Path: f.path, Rule: RuleNotEnglish, Got: got, Want: "English prose"})
			continue
		}
		if got, ok := wordTest(f.text, false); !ok {
			out = append(out, slorec.Violation{Path: f.path, Rule: RuleNotEnglish, Got: got, Want: "English prose"})
		}
	}
	if len(out) == 0 {
		if got, ok := wordTest(strings.Join(all, "\n"), true); !ok {
			out = append(out, slorec.Violation{Rule: RuleNotEnglish, Got: got, Want: "English prose"})
		}
	}
	return out
}

func scriptTest(s string) (string, bool) {
	letters, foreign := 0, 0
	for _, r := range s {
		if unicode.IsLetter(r) {
			letters++
			if r > unicode.MaxASCII {
				foreign++
			}
		}
	}
	if letters < minScriptLetters || float64(foreign) <= maxNonASCII*float64(letters) {
		return "", true
	}
	return fmt.Sprintf("%d of %d letters are outside the Latin alphabet", foreign, letters), false
}

func wordTest(s string, whole bool) (string, bool) {
	var words []string
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) }) {
		if len([]rune(w)) > 1 || w == "a" {
			words = append(words, w)
		}
	}
	if len(words) < minWords {
		return "", true
	}
	english := 0
	foreign := map[string]int{}
	for _, w := range words {
		if englishWords[w] {
			english++
		}
		for lang, set := range foreignWords {
			if set[w] {
				foreign[lang]++
			}
		}
	}
	top, topN := "", 0
	langs := make([]string, 0, len(foreign))
	for lang := range foreign {
		langs = append(langs, lang)
	}
	sort.Strings(langs) // ties resolve the same way every run
	for _, lang := range langs {
		if foreign[lang] > topN {
			top, topN = lang, foreign[lang]
		}
	}
	switch {
	case topN >= minForeign && topN >= english:
		return fmt.Sprintf("%d of %d words are %s function words, %d English", topN, len(words), top, english), false
	case whole && len(words) >= minProseWords && float64(english) < minEnglishShare*float64(len(words)):
		return fmt.Sprintf("%d of %d words are English function words", english, len(words)), false
	}
	return "", true
}
