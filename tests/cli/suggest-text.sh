#!/bin/sh
# End to end: 'suggest' on texts written here: invalid UTF-8 (encoded surrogates, overlong forms)
# is refused with one line naming the file and the byte, and statements and quotes do not carry
# a quotation mark whose partner is outside them.
. "$(dirname "$0")/lib.sh"

# ---- invalid UTF-8: one line naming the file and the byte offset ----
# U+D800 encoded as if it were a character (CESU-8): bytes ED A0 80 at byte 28
printf 'The figure was 1,000 people \355\240\200 here.\n' >surrogate.txt
expect_status 4 "$CT" suggest surrogate.txt
contains "$ERR" "surrogate.txt: the text is not valid UTF-8 (byte 28)"
not_contains "$ERR" "out of memory"
one_line "$ERR"
# the last surrogate, U+DFFF (ED BF BF), at the very end of the text
printf 'More than 200 people came.\n\355\277\277' >surrogate-end.txt
expect_status 4 "$CT" suggest surrogate-end.txt
contains "$ERR" "surrogate-end.txt: the text is not valid UTF-8 (byte 27)"
one_line "$ERR"
# an overlong 3-byte form of '/' (E0 80 AF)
printf 'About 5,000 \340\200\257 fans.\n' >overlong.txt
expect_status 4 "$CT" suggest overlong.txt
contains "$ERR" "overlong.txt: the text is not valid UTF-8 (byte 12)"
one_line "$ERR"
# U+D7FF and U+E000, either side of the surrogates, are characters
printf 'About 5,000 fans came \355\237\277 and \356\200\200 left.\n' >edges.txt
expect_status 0 "$CT" suggest edges.txt
contains "$OUT" 'quantity "About 5,000"'
finish
