/*  qf_error — error codes shared by every qualflow module.

    Functions return 0 on success and one of these negative codes on
    failure; constructors return NULL. qf_strerror() names a code for logs
    and for people.  The protocol's reply status codes (200, 400, ...) are
    separate: see qf_msg.h and proto/PROTOCOL.md.
*/
#ifndef QF_ERROR_H
#define QF_ERROR_H

#define QF_OK         0
#define QF_EINVAL     -1  /* invalid argument or input */
#define QF_ENOMEM     -2  /* out of memory */
#define QF_EIO        -3  /* I/O or database error */
#define QF_EPROTO     -4  /* malformed message on the wire */
#define QF_EINTR      -5  /* interrupted by a signal or socket closed */
#define QF_ENOTFOUND  -6  /* no such object */
#define QF_ECONFLICT  -7  /* state does not allow the operation */
#define QF_EFORBIDDEN -8  /* role may not do this */
#define QF_ETIMEOUT   -9  /* no answer in time */
#define QF_EBUSY      -10 /* locked by another process */
#define QF_ETOOBIG    -11 /* over a size limit */
#define QF_EAGAIN     -12 /* nothing to read now */
#define QF_EFULL      -13 /* no space left on the database's disk */

/*  Returns a static, human-readable name for an error code. */
const char *qf_strerror (int rc);

#endif
