/*  qf_role — the roles a request may act in. */
#include "qf_role.h"

#include <stdio.h>
#include <string.h>

/* §2: the people of the policy, plus the operations role and the renewal
   worker's role; "supervisor" is the sales supervisor (§5.2 assessment,
   §5.3 discounts beyond a salesperson's, §6.3 the sales review);
   "aftersales" the after-sales staff and worker (§6.4 callbacks, feedback
   cases); "integration" a system outside that only hands feedback in (a
   web form): it may add feedback and nothing else, so its certificate
   gives away no reading or changing of records; "notify" the
   notification worker (qualflow-notify), which hands in messages and
   reports its attempts to send them. */
// clang-format off
const char *const qf_roles[] = {
    QF_ROLE_OPERATIONS, "sales", "supervisor", "review", "logistics", "legal", "finance",
    "technical", "management", "market", "leader", "hr", "renewal", "aftersales", "integration",
    "notify", NULL};
// clang-format on

bool
qf_role_known (const char *name)
{
    for (size_t i = 0; name && qf_roles[i]; i++)
        if (strcmp (qf_roles[i], name) == 0)
            return true;
    return false;
}

const char *
qf_role_list (char *buffer, size_t size, const char *separator)
{
    size_t used = 0;
    if (size)
        buffer[0] = '\0';
    for (size_t i = 0; qf_roles[i] && used < size; i++) {
        int n = snprintf (buffer + used, size - used, "%s%s", i ? separator : "", qf_roles[i]);
        if (n < 0)
            break;
        used += (size_t)n;
    }
    return buffer;
}
