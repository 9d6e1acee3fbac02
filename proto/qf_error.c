/*  qf_error — names for the QF_E* codes. */
#include "qf_error.h"

const char *
qf_strerror (int rc)
{
    switch (rc) {
    case QF_OK: return "ok";
    case QF_EINVAL: return "invalid input";
    case QF_ENOMEM: return "out of memory";
    case QF_EIO: return "I/O or database error";
    case QF_EPROTO: return "malformed message";
    case QF_EINTR: return "interrupted";
    case QF_ENOTFOUND: return "not found";
    case QF_ECONFLICT: return "conflict";
    case QF_EFORBIDDEN: return "forbidden";
    case QF_ETIMEOUT: return "timed out";
    case QF_EBUSY: return "busy (locked by another process)";
    case QF_ETOOBIG: return "too large";
    case QF_EAGAIN: return "try again";
    case QF_EFULL: return "storage full (no space left on the database's disk)";
    default: return "unknown error";
    }
}
