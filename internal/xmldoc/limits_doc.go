package xmldoc

import "strconv"

// DocumentedLimits returns the lines in which the package documentation
// of writer and requestor states the limits, for the tests that keep that
// documentation in step with the constants.
func DocumentedLimits() []string {
	return []string{
		"size        32 MiB (" + thousands(MaxSize) + " bytes)",
		"depth       " + strconv.Itoa(MaxDepth) + " nested elements",
		"elements    " + thousands(MaxElements) + "\n",
		"attributes  " + thousands(MaxAttributes) + ",",
	}
}

// thousands writes n with commas between groups of three digits.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
