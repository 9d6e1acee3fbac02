/*  The unified social credit code (统一社会信用代码, GB 32100-2015): the
    one identifier a Chinese company has, hence how a duplicate customer
    is recognised (customer.h). */
#include "customer/customer.h"
#include "qf.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* The 31 characters of the code, each worth its index: 0-9 and A-Z
   without I, O, Z, S, V (they read like 1, 0, 2, 5, U). */
static const char s_alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/* The weight of each of the first 17 positions: 3^i modulo 31. */
static const int s_weights[QF_CREDIT_CODE_LEN - 1] = {1,  3,  9,  27, 19, 26, 16, 17, 20,
                                                      29, 25, 13, 8,  24, 10, 30, 28};

/* The value of character c in the code, or -1 when it is not one. */
static int
s_value (char c)
{
    const char *at = c ? strchr (s_alphabet, c) : NULL;
    return at ? (int)(at - s_alphabet) : -1;
}

int
qf_customer_credit_code_check (const char *code, char *normal, char *why, size_t why_size)
{
    while (*code == ' ' || *code == '\t')
        code++;
    size_t len = strlen (code);
    while (len && (code[len - 1] == ' ' || code[len - 1] == '\t'))
        len--;
    if (len != QF_CREDIT_CODE_LEN) {
        snprintf (why, why_size,
                  "it has %zu characters; a unified social credit code (GB 32100-2015) has %d", len,
                  QF_CREDIT_CODE_LEN);
        return QF_EINVAL;
    }
    int sum = 0;
    for (size_t i = 0; i < len; i++) {
        char c = (char)toupper ((unsigned char)code[i]);
        int value = s_value (c);
        if (value < 0) {
            if (strchr ("IOZSV", c))
                snprintf (why, why_size,
                          "character %zu is '%c'; GB 32100-2015 codes never use I, O, Z, S or "
                          "V (only 0-9 and the other letters)",
                          i + 1, c);
            else
                snprintf (why, why_size,
                          "character %zu is not 0-9 or A-Z (without I, O, Z, S, V), as GB "
                          "32100-2015 requires",
                          i + 1);
            return QF_EINVAL;
        }
        normal[i] = c;
        if (i < len - 1)
            sum += value * s_weights[i];
    }
    normal[len] = '\0';
    char expected = s_alphabet[(31 - sum % 31) % 31];
    if (normal[len - 1] != expected) {
        snprintf (why, why_size,
                  "its check character (the 18th) is '%c' but the first 17 give '%c' (GB "
                  "32100-2015): a character was mistyped",
                  normal[len - 1], expected);
        return QF_EINVAL;
    }
    return 0;
}
