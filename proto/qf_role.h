/*  qf_role — the roles a request may act in (PROTOCOL.md §5).

    One list for every process: the daemon checks a request's role against
    it, the CLI checks --as, $QUALFLOW_ROLE and cli.role before sending,
    and the configuration loader checks cli.role.

    `admin` is the operations role: it runs the daemon (groups.seek,
    dlq.retry, dlq.drop) and reads everything, but takes no business
    decision. Every other role is a business role of the policy (§2), and
    each business command names the business roles that may run it.
*/
#ifndef QF_ROLE_H
#define QF_ROLE_H

#include <stdbool.h>
#include <stddef.h>

#define QF_ROLE_OPERATIONS "admin"

/* Every role, the operations role first; NULL-terminated. */
extern const char *const qf_roles[];

/*  Whether `name` is one of qf_roles (NULL is not). */
bool qf_role_known (const char *name);

/*  Writes the roles into buffer separated by `separator` (", " or " "),
    cut to fit; returns buffer. */
const char *qf_role_list (char *buffer, size_t size, const char *separator);

#endif
