// setns(2) for the node agent: moves the calling thread (the JS main thread) into the network namespace an open file
// descriptor names, so that a netlink socket created right after belongs to that namespace. A socket keeps the
// namespace it was created in, so the agent enters the pod's namespace, creates the socket and returns at once, all
// synchronously in one tick (src/netlink/netns-enter.ts). Node-API (C), so one build serves every Node >= 18.
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <node_api.h>

static napi_value Setns(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 2) {
    napi_throw_type_error(env, NULL, "setns(fd, nstype) takes two integers");
    return NULL;
  }
  int32_t fd = -1;
  int32_t nstype = 0;
  if (napi_get_value_int32(env, argv[0], &fd) != napi_ok || napi_get_value_int32(env, argv[1], &nstype) != napi_ok) {
    napi_throw_type_error(env, NULL, "setns(fd, nstype) takes two integers");
    return NULL;
  }
  if (setns(fd, nstype) != 0) {
    int e = errno;
    napi_value msg, code, err, num;
    napi_create_string_utf8(env, strerror(e), NAPI_AUTO_LENGTH, &msg);
    napi_create_string_utf8(env, "ESETNS", NAPI_AUTO_LENGTH, &code);
    napi_create_error(env, code, msg, &err);
    napi_create_int32(env, e, &num);
    napi_set_named_property(env, err, "errno", num);
    napi_throw(env, err);
    return NULL;
  }
  return NULL;
}

static napi_value Init(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "setns", NAPI_AUTO_LENGTH, Setns, NULL, &fn);
  napi_set_named_property(env, exports, "setns", fn);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
