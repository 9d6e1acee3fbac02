/*  qf.h — version and the shared headers every qualflow process includes. */
#ifndef QF_H
#define QF_H

#define QF_VERSION "0.1.0"

#include "qf_error.h"
#include "qf_log.h"
#include "qf_msg.h"
#include "qf_time.h"

#endif
