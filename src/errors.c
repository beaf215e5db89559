/* errors.c -- one table (SLP_ERRNO_MAP) gives the codes, messages and names. */
#include "stackless.h"

const char *slp_strerror(int code) {
    switch (code) {
    case SLP_OK: return "success";
#define SLP__ERR_MSG(name, c, msg) case c: return msg;
    SLP_ERRNO_MAP(SLP__ERR_MSG)
#undef SLP__ERR_MSG
    default: break;
    }
    return code <= SLP_EUSER ? "user error" : "unknown error";
}

const char *slp_err_name(int code) {
    switch (code) {
    case SLP_OK: return "SLP_OK";
#define SLP__ERR_NAME(name, c, msg) case c: return "SLP_" #name;
    SLP_ERRNO_MAP(SLP__ERR_NAME)
#undef SLP__ERR_NAME
    default: break;
    }
    return code <= SLP_EUSER ? "SLP_EUSER" : "SLP_EUNKNOWN";
}
