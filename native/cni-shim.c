// The installed `gingham` / `gingham-ipam` CNI executables: a ~1 ms compiled forwarder to the node agent's CNI socket
// (the protocol of src/api/wire/cni.ts, one JSON request and reply per connection), built at `npm ci` with the setns
// addon (scripts/build-native.js). A Node shim costs a Node start per pod (30 ms idle, 150-300 ms on a loaded node)
// and a copy of the Gingham tree on the host; this file needs neither. It mirrors src/cni/forward.ts for the hot
// path only and hands every other case to the Node shim installed beside it as `<name>-node` (same environment,
// stdin replayed), so there is one implementation of the rest:
//   VERSION                                   answered here
//   configuration with "cni_socket", agent up forwarded; the agent's stdout, stderr and exit status passed through
//   agent not reachable: ADD, CHECK / STATUS  CNI error 11 / 50 here, at once
//   agent not reachable: DEL                  queued for the agent (below), success; `<name>-node` if queueing fails
//   agent not reachable: the rest             `<name>-node`
//   no "cni_socket", or anything unexpected   `<name>-node`; without one: CNI error 11 (the runtime retries)
// DEL queue: the request the agent would have been sent is written to <socket's directory>/cni-del-queue/ (one file per
// container, interface and plugin; written under a temporary name, fsync'd, renamed, directory fsync'd), and the agent
// replays it before it serves again (src/node/cni-del-queue.ts). DEL may then succeed at once, as the spec allows for
// a DEL whose work is done later: the runtime deletes the pod's namespace, which destroys the veth pair and the
// pod's routes with it, so what is left is the address and the WorkloadEndpoint, which only the datastore can
// release. The shim deletes no host veth itself: it would need the datastore to know whether the veth still
// belongs to this container (a new sandbox of the same pod gets the same host name).
// The JSON handled here is narrow on purpose: strings are escaped and unescaped in full (\uXXXX to UTF-8), but only
// the top-level keys the shim needs are looked up.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#define WIRE_VERSION "gingham.cni.v1"
#define CURRENT_VERSION "1.0.0"
#define VERSION_RESULT "{\"cniVersion\":\"1.0.0\",\"supportedVersions\":[\"0.3.0\",\"0.3.1\",\"0.4.0\",\"1.0.0\"]}\n"
#define REPLY_TIMEOUT_S 100
#define DEL_QUEUE_DIR "cni-del-queue"

static const char *FORWARDED[] = {"CNI_COMMAND", "CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME", "CNI_ARGS", "CNI_PATH", "PATH", NULL};
static const char *SUPPORTED[] = {"0.3.0", "0.3.1", "0.4.0", "1.0.0", NULL};

typedef struct {
  char *p;
  size_t n, cap;
} buf;

static void put(buf *b, const char *s, size_t n) {
  if (b->n + n + 1 > b->cap) {
    b->cap = (b->n + n + 1) * 2;
    b->p = realloc(b->p, b->cap);
    if (b->p == NULL) exit(1);
  }
  memcpy(b->p + b->n, s, n);
  b->n += n;
  b->p[b->n] = 0;
}

static void puts_(buf *b, const char *s) { put(b, s, strlen(s)); }

static void put_json_string(buf *b, const char *s, size_t n) {
  put(b, "\"", 1);
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    char esc[8];
    if (c == '"' || c == '\\') {
      esc[0] = '\\';
      esc[1] = (char)c;
      put(b, esc, 2);
    } else if (c < 0x20) {
      snprintf(esc, sizeof esc, "\\u%04x", c);
      put(b, esc, 6);
    } else {
      put(b, (const char *)&s[i], 1);
    }
  }
  put(b, "\"", 1);
}

static const char *skip_ws(const char *p, const char *end) {
  while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) p++;
  return p;
}

static void put_utf8(buf *b, unsigned cp) {
  char o[4];
  if (cp < 0x80) {
    o[0] = (char)cp;
    put(b, o, 1);
  } else if (cp < 0x800) {
    o[0] = (char)(0xc0 | (cp >> 6));
    o[1] = (char)(0x80 | (cp & 0x3f));
    put(b, o, 2);
  } else if (cp < 0x10000) {
    o[0] = (char)(0xe0 | (cp >> 12));
    o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
    o[2] = (char)(0x80 | (cp & 0x3f));
    put(b, o, 3);
  } else {
    o[0] = (char)(0xf0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    o[3] = (char)(0x80 | (cp & 0x3f));
    put(b, o, 4);
  }
}

static int hex4(const char *p, const char *end, unsigned *out) {
  if (end - p < 4) return -1;
  unsigned v = 0;
  for (int i = 0; i < 4; i++) {
    char c = p[i];
    v <<= 4;
    if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
    else return -1;
  }
  *out = v;
  return 0;
}

/* Parses the JSON string at p (at its opening quote) into out; returns the position after it, or NULL. */
static const char *parse_string(const char *p, const char *end, buf *out) {
  if (p >= end || *p != '"') return NULL;
  for (p++; p < end; p++) {
    if (*p == '"') return p + 1;
    if (*p != '\\') {
      if (out) put(out, p, 1);
      continue;
    }
    if (++p >= end) return NULL;
    char c = *p;
    const char *simple = "\"\\/bfnrt";
    const char *mapped = "\"\\/\b\f\n\r\t";
    const char *hit = strchr(simple, c);
    if (hit != NULL && c != 0) {
      if (out) put(out, &mapped[hit - simple], 1);
    } else if (c == 'u') {
      unsigned cp;
      if (hex4(p + 1, end, &cp) != 0) return NULL;
      p += 4;
      if (cp >= 0xd800 && cp < 0xdc00 && end - p > 6 && p[1] == '\\' && p[2] == 'u') {
        unsigned lo;
        if (hex4(p + 3, end, &lo) == 0 && lo >= 0xdc00 && lo < 0xe000) {
          cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
          p += 6;
        }
      }
      if (out) put_utf8(out, cp);
    } else {
      return NULL;
    }
  }
  return NULL;
}

/* Skips one JSON value; returns the position after it, or NULL. */
static const char *skip_value(const char *p, const char *end) {
  p = skip_ws(p, end);
  if (p >= end) return NULL;
  if (*p == '"') return parse_string(p, end, NULL);
  if (*p == '{' || *p == '[') {
    int depth = 0;
    for (; p < end; p++) {
      if (*p == '"') {
        p = parse_string(p, end, NULL);
        if (p == NULL) return NULL;
        p--;
      } else if (*p == '{' || *p == '[') depth++;
      else if (*p == '}' || *p == ']') {
        if (--depth == 0) return p + 1;
      }
    }
    return NULL;
  }
  while (p < end && *p != ',' && *p != '}' && *p != ']' && *p != ' ' && *p != '\n' && *p != '\r' && *p != '\t') p++;
  return p;
}

/* The value of top-level key `key` in the JSON object text: its start, or NULL when absent or not an object. */
static const char *find_key(const char *p, const char *end, const char *key) {
  p = skip_ws(p, end);
  if (p >= end || *p != '{') return NULL;
  p++;
  for (;;) {
    p = skip_ws(p, end);
    if (p >= end || *p == '}') return NULL;
    buf k = {0};
    p = parse_string(p, end, &k);
    if (p == NULL) {
      free(k.p);
      return NULL;
    }
    p = skip_ws(p, end);
    if (p >= end || *p != ':') {
      free(k.p);
      return NULL;
    }
    p = skip_ws(p + 1, end);
    int match = k.p != NULL && strcmp(k.p, key) == 0;
    free(k.p);
    if (match) return p;
    p = skip_value(p, end);
    if (p == NULL) return NULL;
    p = skip_ws(p, end);
    if (p < end && *p == ',') p++;
  }
}

/* A top-level string field, or 0 when absent / not a string. */
static int string_field(const char *text, size_t n, const char *key, buf *out) {
  const char *v = find_key(text, text + n, key);
  if (v == NULL || *v != '"') return 0;
  return parse_string(v, text + n, out) != NULL;
}

static buf read_all(int fd) {
  buf b = {0};
  put(&b, "", 0);
  char tmp[65536];
  for (;;) {
    ssize_t r = read(fd, tmp, sizeof tmp);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    put(&b, tmp, (size_t)r);
  }
  return b;
}

static void write_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return;
    p += w;
    n -= (size_t)w;
  }
}

static int fail(const char *kind, const char *version, int code, const char *msg, const char *details) {
  buf o = {0};
  puts_(&o, "{\"cniVersion\":");
  put_json_string(&o, version, strlen(version));
  char num[32];
  snprintf(num, sizeof num, ",\"code\":%d,\"msg\":", code);
  puts_(&o, num);
  put_json_string(&o, msg, strlen(msg));
  if (details != NULL) {
    puts_(&o, ",\"details\":");
    put_json_string(&o, details, strlen(details));
  }
  puts_(&o, "}\n");
  write_all(1, o.p, o.n);
  fprintf(stderr, "%s: %s\n", kind, msg);
  return 1;
}

/* The wire request (src/api/wire/cni.ts): the forwarded environment and the configuration text. */
static buf wire_request(const char *kind, const buf *in) {
  buf req = {0};
  puts_(&req, "{\"version\":\"" WIRE_VERSION "\",\"plugin\":\"");
  puts_(&req, kind);
  puts_(&req, "\",\"env\":{");
  int first = 1;
  for (int i = 0; FORWARDED[i] != NULL; i++) {
    const char *v = getenv(FORWARDED[i]);
    if (v == NULL) continue;
    if (!first) puts_(&req, ",");
    first = 0;
    put_json_string(&req, FORWARDED[i], strlen(FORWARDED[i]));
    puts_(&req, ":");
    put_json_string(&req, v, strlen(v));
  }
  puts_(&req, "},\"stdin\":");
  put_json_string(&req, in->p, in->n);
  puts_(&req, "}\n");
  return req;
}

/* A file-name part: [A-Za-z0-9_-] kept, every other byte %XX (so '.' separates parts and '/' cannot occur). */
static void put_name_part(buf *b, const char *s) {
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-') {
      put(b, (const char *)&c, 1);
    } else {
      char e[4];
      snprintf(e, sizeof e, "%%%02X", c);
      put(b, e, 3);
    }
  }
}

/* mkdir -p with mode 0700 for what it creates (the socket's folder is gone after a reboot until the agent starts). */
static int make_dirs(char *path) {
  for (char *p = path + 1; *p; p++) {
    if (*p != '/') continue;
    *p = 0;
    int r = mkdir(path, 0700);
    *p = '/';
    if (r != 0 && errno != EEXIST) return -1;
  }
  return mkdir(path, 0700) == 0 || errno == EEXIST ? 0 : -1;
}

/*
 * Queues a DEL for the agent: <dir of socket>/cni-del-queue/<containerID>.<ifname>.<plugin>, written whole or not at
 * all. Returns 0 when the request is durably queued.
 */
static int queue_del(const char *socket_path, const char *kind, const buf *in, buf *queued) {
  const char *container = getenv("CNI_CONTAINERID");
  const char *ifname = getenv("CNI_IFNAME");
  if (container == NULL || *container == 0) return -1;
  char sockcopy[PATH_MAX];
  snprintf(sockcopy, sizeof sockcopy, "%s", socket_path);
  buf dir = {0};
  puts_(&dir, dirname(sockcopy));
  puts_(&dir, "/" DEL_QUEUE_DIR);
  if (make_dirs(dir.p) != 0) return -1;
  buf name = {0};
  put_name_part(&name, container);
  puts_(&name, ".");
  put_name_part(&name, ifname != NULL ? ifname : "");
  puts_(&name, ".");
  puts_(&name, kind);
  buf tmp = {0}, final = {0};
  char pid[32];
  snprintf(pid, sizeof pid, "/.tmp-%ld-", (long)getpid());
  puts_(&tmp, dir.p);
  puts_(&tmp, pid);
  puts_(&tmp, name.p);
  puts_(&final, dir.p);
  puts_(&final, "/");
  puts_(&final, name.p);
  buf req = wire_request(kind, in);
  int fd = open(tmp.p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return -1;
  size_t done = 0;
  while (done < req.n) {
    ssize_t w = write(fd, req.p + done, req.n - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) break;
    done += (size_t)w;
  }
  int ok = done == req.n && fsync(fd) == 0;
  close(fd);
  if (!ok || rename(tmp.p, final.p) != 0) {
    unlink(tmp.p);
    return -1;
  }
  int dfd = open(dir.p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    fsync(dfd);
    close(dfd);
  }
  puts_(queued, final.p);
  return 0;
}

/* Runs `<this executable>-node` with stdin replayed; returns only if that fails. */
static int run_node_shim(const char *self, const char *kind, const char *version, const buf *stdin_text, char **argv) {
  char path[PATH_MAX];
  if (snprintf(path, sizeof path, "%s-node", self) >= (int)sizeof path) return fail(kind, version, 11, "gingham standalone plugin not installed", "path too long");
  if (access(path, X_OK) != 0) return fail(kind, version, 11, "gingham node agent not reachable and no standalone plugin installed", path);
  int fd = memfd_create("cni-stdin", 0);
  if (fd < 0) return fail(kind, version, 5, "cannot replay stdin", strerror(errno));
  write_all(fd, stdin_text->p, stdin_text->n);
  lseek(fd, 0, SEEK_SET);
  dup2(fd, 0);
  close(fd);
  argv[0] = path;
  execv(path, argv);
  return fail(kind, version, 11, "cannot run the standalone plugin", strerror(errno));
}

int main(int argc, char **argv) {
  (void)argc;
  char self[PATH_MAX];
  ssize_t sl = readlink("/proc/self/exe", self, sizeof self - 1);
  if (sl <= 0) return fail("gingham", CURRENT_VERSION, 11, "cannot find this executable", strerror(errno));
  self[sl] = 0;
  /* Installed under the plugin's name (the runtime runs <bin dir>/<type>): gingham or gingham-ipam. */
  char namebuf[PATH_MAX];
  snprintf(namebuf, sizeof namebuf, "%s", argv[0]);
  const char *kind = strcmp(basename(namebuf), "gingham-ipam") == 0 ? "gingham-ipam" : "gingham";
  char selfpath[PATH_MAX];
  snprintf(selfpath, sizeof selfpath, "%s", self);
  char invoked[PATH_MAX];
  snprintf(invoked, sizeof invoked, "%s/%s", dirname(selfpath), kind);

  const char *command = getenv("CNI_COMMAND");
  if (command != NULL && strcmp(command, "VERSION") == 0) {
    write_all(1, VERSION_RESULT, strlen(VERSION_RESULT));
    return 0;
  }
  buf in = read_all(0);
  buf ver = {0};
  const char *version = CURRENT_VERSION;
  if (string_field(in.p, in.n, "cniVersion", &ver)) {
    for (int i = 0; SUPPORTED[i] != NULL; i++)
      if (strcmp(ver.p, SUPPORTED[i]) == 0) version = SUPPORTED[i];
  }
  buf sock = {0};
  if (!string_field(in.p, in.n, "cni_socket", &sock) || sock.n == 0) return run_node_shim(invoked, kind, version, &in, argv);

  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (sock.n >= sizeof addr.sun_path) return fail(kind, version, 7, "cni_socket path too long", sock.p);
  memcpy(addr.sun_path, sock.p, sock.n + 1);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
    char detail[PATH_MAX + 64];
    snprintf(detail, sizeof detail, "connect %s: %s", sock.p, strerror(errno));
    int add_or_check = command != NULL && (strcmp(command, "ADD") == 0 || strcmp(command, "CHECK") == 0);
    if (add_or_check) return fail(kind, version, 11, "gingham node agent not reachable", detail);
    if (command != NULL && strcmp(command, "STATUS") == 0) return fail(kind, version, 50, "gingham node agent not reachable", detail);
    buf queued = {0};
    if (command != NULL && strcmp(command, "DEL") == 0 && queue_del(sock.p, kind, &in, &queued) == 0) {
      fprintf(stderr, "%s: gingham node agent not reachable (%s); DEL queued for it in %s\n", kind, detail, queued.p);
      return 0;
    }
    return run_node_shim(invoked, kind, version, &in, argv);
  }
  buf req = wire_request(kind, &in);
  write_all(fd, req.p, req.n);
  shutdown(fd, SHUT_WR);
  struct timeval tv = {.tv_sec = REPLY_TIMEOUT_S};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  buf reply = read_all(fd);
  close(fd);
  buf out = {0}, err = {0}, rv = {0};
  const char *code = find_key(reply.p, reply.p + reply.n, "exitCode");
  if (!string_field(reply.p, reply.n, "version", &rv) || code == NULL || !string_field(reply.p, reply.n, "stdout", &out) ||
      !string_field(reply.p, reply.n, "stderr", &err)) {
    return fail(kind, version, 11, reply.n == 0 ? "gingham node agent did not answer" : "gingham node agent answered nonsense", NULL);
  }
  char *endp;
  long exit_code = strtol(code, &endp, 10);
  if (endp == code) return fail(kind, version, 11, "gingham node agent answered nonsense", "reply.exitCode: not an integer");
  if (out.n > 0) write_all(1, out.p, out.n);
  if (err.n > 0) write_all(2, err.p, err.n);
  return (int)exit_code;
}
