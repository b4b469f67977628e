/*
 * kcl-ts-forwarder: a shard lease's child process in hub mode.
 *
 * The MultiLangDaemon runs `executableName` once per shard lease and talks to it over
 * stdin/stdout. In hub mode that command is this forwarder: it connects to the hub's Unix
 * socket (its argument) and copies bytes unchanged, stdin -> socket and
 * socket -> stdout, so that one Node process (the hub) serves every lease while a lease
 * costs about 0.1 MB instead of a Node runtime.
 *
 * The contract, which the hub side implements exactly (README.md beside this file):
 *
 * stdin -> socket
 *   EOF on stdin (the daemon ends the lease) -> shutdown(sock, SHUT_WR): the hub reads EOF
 *   and may still send. A read error on stdin counts as EOF (and is reported on stderr).
 *   A write error on the socket (EPIPE/ECONNRESET: the hub stopped reading) ends this
 *   direction: stdin is no longer read but stays open, because a closed stdin would fail
 *   the daemon's next write, and a failed write makes the daemon exit its whole JVM. The
 *   hub closes the socket next, which ends the process (below).
 *
 * socket -> stdout
 *   EOF from the socket after EOF on stdin (the hub ended the session the daemon ended)
 *   -> close(1), exit 0. EOF from the socket while stdin is still open: the hub ended a
 *   session the daemon had not (it died, or was stopped) -> one line on stderr, exit 1,
 *   so that the daemon's log says why its child ended.
 *   Exit-status frame: the hub's protocol lines are JSON text, which never contains a NUL
 *   byte (JSON escapes U+0000 as \u0000), so a NUL byte means "end with a status": the
 *   byte after it is the exit code (0-255). Bytes before the NUL are written to stdout
 *   first; bytes after the code byte are ignored; a NUL followed by EOF exits 1. The hub
 *   sends "\0" + code, then closes.
 *   A read error on the socket (ECONNRESET: the hub died) -> one line on stderr, exit 1.
 *   A write error on stdout (EPIPE: the daemon no longer reads) ends the writing only:
 *   the socket is still read, and its bytes dropped, until EOF or the frame, so that the
 *   process still ends when the hub ends the session.
 *
 * Connecting
 *   Retried on ENOENT and ECONNREFUSED (a hub still starting, or replacing a stale
 *   socket; macOS also refuses when the listen backlog is full) for at most 1 s in all;
 *   then, or at once on any other error, one line on stderr naming the socket path and the
 *   errno text, exit 1. No argument: usage on stderr, exit 2.
 *
 * Several hubs
 *   Given several socket paths (one per hub, `kcl-ts run --hubs N`), the lease goes to the
 *   next hub in turn, so that N CPU-bound hubs share the leases evenly. The turn is kept
 *   in "<first socket path>.turns": each forwarder appends one byte (O_APPEND makes each
 *   append atomic, so no two forwarders get the same offset) and the file's offset after
 *   its byte is its turn; the file is emptied at 1 MiB (a lease start costs a byte). A
 *   pid modulo N would not do: pids are shared with every thread on the machine, and the
 *   JVM starts threads between the children it spawns (4 to 47 pids apart, measured by
 *   bench/hub-spread.ts), so the spread is left to chance (README.md). Where the file
 *   cannot be written, getpid() % N stands in.
 *   The chosen hub is the lease's only one: if it cannot be reached, the forwarder fails as
 *   above rather than hide a dead hub.
 *
 * Signals
 *   SIGTERM, SIGINT and SIGHUP are ignored, set first thing: a signal sent to every
 *   process at once (systemd's KillMode=control-group, Ctrl-C in a terminal) must not cut
 *   a lease while the daemon shuts it down gracefully. The forwarder ends only on EOF from
 *   the socket, the exit-status frame, or SIGKILL. SIGPIPE is ignored: EPIPE is handled
 *   per direction as above.
 *
 * Why two blocking directions, one thread each, rather than a poll() loop: each direction
 * keeps its own backpressure (a blocked stdout never stops stdin from being read, as in a
 * Node child), and no O_NONBLOCK is set on the inherited stdin/stdout (the flag lives in
 * the open file description, shared with every other holder, such as a terminal). The
 * main thread runs socket -> stdout because the end of that direction is the end of the
 * process; exiting also ends the other thread wherever it is blocked.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define BUF_SIZE 65536
#define CONNECT_BUDGET_MS 1000
#define THREAD_STACK 65536
#define TURNS_SUFFIX ".turns"
#define TURNS_RESET (1L << 20)

/* Static, not on a stack: only the pages a direction has used count in its memory. */
static char up_buf[BUF_SIZE];   /* stdin -> socket */
static char down_buf[BUF_SIZE]; /* socket -> stdout */
static int sock = -1;
/* Set by the stdin thread before it half-closes the socket, so the hub's EOF comes after it. */
static int stdin_ended = 0;
static const char *sock_path = "";

/* One line on stderr, unbuffered, in one write so that it is not interleaved. */
static void say(const char *a, const char *b, const char *c, const char *d) {
  struct iovec v[6] = {
    {(void *)"kcl-ts-forwarder: ", 18},
    {(void *)a, strlen(a)},
    {(void *)b, strlen(b)},
    {(void *)c, strlen(c)},
    {(void *)d, strlen(d)},
    {(void *)"\n", 1},
  };
  ssize_t ignored = writev(2, v, 6);
  (void)ignored;
}

static ssize_t read_some(int fd, char *buf, size_t n) {
  for (;;) {
    ssize_t r = read(fd, buf, n);
    if (r >= 0 || errno != EINTR) return r;
  }
}

/* 0 once all of p is written, -1 (errno set) if the other end is gone. */
static int write_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

static void *stdin_to_socket(void *unused) {
  (void)unused;
  for (;;) {
    ssize_t n = read_some(0, up_buf, sizeof up_buf);
    if (n == 0) break;
    if (n < 0) {
      say("reading stdin: ", strerror(errno), " (taken as EOF)", "");
      break;
    }
    if (write_all(sock, up_buf, (size_t)n) < 0) return NULL; /* the hub stopped reading */
  }
  __atomic_store_n(&stdin_ended, 1, __ATOMIC_SEQ_CST);
  shutdown(sock, SHUT_WR);
  return NULL;
}

/* The process's exit status: 0 on EOF after stdin's, the frame's code byte, or 1 if the hub is lost. */
static int socket_to_stdout(void) {
  int writing = 1;
  for (;;) {
    ssize_t n = read_some(sock, down_buf, sizeof down_buf);
    if (n == 0) {
      if (__atomic_load_n(&stdin_ended, __ATOMIC_SEQ_CST)) return 0;
      say("the hub at ", sock_path, " ended the session before the daemon did", " (the hub stopped or died)");
      return 1;
    }
    if (n < 0) {
      say("lost the hub at ", sock_path, ": ", strerror(errno));
      return 1;
    }
    char *nul = memchr(down_buf, 0, (size_t)n);
    size_t before = nul ? (size_t)(nul - down_buf) : (size_t)n;
    if (writing && before > 0 && write_all(1, down_buf, before) < 0) writing = 0;
    if (nul) {
      if (nul + 1 < down_buf + n) return (unsigned char)nul[1];
      char code;
      return read_some(sock, &code, 1) == 1 ? (unsigned char)code : 1;
    }
  }
}

static void sleep_ms(long ms) {
  struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&t, &t) < 0 && errno == EINTR) {
  }
}

/* The connected socket, or -1 with errno set. */
static int connect_hub(const char *path) {
  struct sockaddr_un addr;
  memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  size_t len = strlen(path);
  if (len == 0 || len >= sizeof addr.sun_path) {
    errno = len == 0 ? ENOENT : ENAMETOOLONG;
    return -1;
  }
  memcpy(addr.sun_path, path, len + 1);
  long waited = 0, delay = 10;
  for (;;) {
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0) return fd;
    int err = errno;
    close(fd);
    if (err == EINTR) continue;
    if ((err != ENOENT && err != ECONNREFUSED) || waited >= CONNECT_BUDGET_MS) {
      errno = err;
      return -1;
    }
    if (delay > CONNECT_BUDGET_MS - waited) delay = CONNECT_BUDGET_MS - waited;
    sleep_ms(delay);
    waited += delay;
    delay *= 2;
  }
}

/* Which of n sockets this lease uses: the next turn (see "Several hubs" above). */
static size_t pick_socket(const char *first, size_t n) {
  char turns[sizeof(((struct sockaddr_un *)0)->sun_path) + sizeof TURNS_SUFFIX];
  size_t len = strlen(first);
  if (len + sizeof TURNS_SUFFIX <= sizeof turns) {
    memcpy(turns, first, len);
    memcpy(turns + len, TURNS_SUFFIX, sizeof TURNS_SUFFIX);
    int fd = open(turns, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd >= 0) {
      off_t after = write(fd, "\n", 1) == 1 ? lseek(fd, 0, SEEK_CUR) : -1;
      if (after >= TURNS_RESET) {
        int ignored = ftruncate(fd, 0);
        (void)ignored;
      }
      close(fd);
      if (after > 0) return (size_t)((after - 1) % (off_t)n);
    }
  }
  return (size_t)getpid() % n;
}

int main(int argc, char **argv) {
  signal(SIGTERM, SIG_IGN);
  signal(SIGINT, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  signal(SIGPIPE, SIG_IGN);

  if (argc < 2) {
    say("usage: kcl-ts-forwarder <hub socket path> [<hub socket path>...]", "", "", "");
    return 2;
  }
  size_t hubs = (size_t)argc - 1;
  sock_path = argv[1 + (hubs > 1 ? pick_socket(argv[1], hubs) : 0)];
  sock = connect_hub(sock_path);
  if (sock < 0) {
    say("cannot connect to hub socket ", sock_path, ": ", strerror(errno));
    return 1;
  }

  pthread_attr_t attr;
  pthread_t up;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, THREAD_STACK);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  int err = pthread_create(&up, &attr, stdin_to_socket, NULL);
  if (err != 0) {
    say("cannot start the stdin thread: ", strerror(err), "", "");
    return 1;
  }

  int status = socket_to_stdout();
  close(1);
  exit(status);
}
