/*
 * The few system calls osgit needs that Node does not expose:
 *   - OFD (open file description) record locks, the lock libostree takes on <repo>/.lock
 *     (src/libostree/ostree-repo.c: fcntl F_OFD_SETLK with F_RDLCK/F_WRLCK over the whole file,
 *     flock() only where the kernel answers EINVAL). OFD locks belong to the open file, not to
 *     the process, so two descriptors in one process exclude each other, and the kernel drops
 *     them when the last descriptor closes: a killed holder can never leave a stale lock.
 *   - syncfs(2), run on libuv's thread pool so the event loop never waits for the disk.
 *   - mallopt(M_ARENA_MAX, M_MMAP_THRESHOLD): glibc gives every thread that allocates its own
 *     malloc arena and keeps freed memory in each, and after the first large free it serves
 *     blocks of up to 32 MiB from the heap too; a pull's object workers and network buffers then
 *     hold tens of megabytes of resident memory the process no longer uses. Few arenas and a
 *     fixed threshold (larger blocks mapped, and unmapped when freed) keep RSS low.
 *   - lstatDir(path): a folder's names with their lstat in one call, for a worktree's status walk
 *     (6.7k files on a small root filesystem: Node's lstatSync builds a Stats object with four
 *     Dates per file, and collecting them was most of the walk).
 * Errors are thrown as Error objects with `code` (the errno name, e.g. "EBADF") and `errno`.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <limits.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <node_api.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#define CHECK(env, call)                                                        \
  do {                                                                          \
    if ((call) != napi_ok) {                                                    \
      napi_throw_error((env), NULL, "osgit_native: N-API call failed: " #call); \
      return NULL;                                                              \
    }                                                                           \
  } while (0)

static const char *errno_name(int err) {
  switch (err) {
    case EAGAIN: return "EAGAIN";
    case EACCES: return "EACCES";
    case EBADF: return "EBADF";
    case EINTR: return "EINTR";
    case EINVAL: return "EINVAL";
    case EIO: return "EIO";
    case ENOLCK: return "ENOLCK";
    case ENOSPC: return "ENOSPC";
    case EDQUOT: return "EDQUOT";
    case EROFS: return "EROFS";
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case ENOTDIR: return "ENOTDIR";
    case ELOOP: return "ELOOP";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case ENOMEM: return "ENOMEM";
    case EMFILE: return "EMFILE";
    default: return "EUNKNOWN";
  }
}

static napi_value errno_error(napi_env env, int err, const char *syscall) {
  char text[256];
  napi_value msg, code, error, num, sys;
  snprintf(text, sizeof text, "%s: %s", syscall, strerror(err));
  if (napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &msg) != napi_ok) return NULL;
  if (napi_create_string_utf8(env, errno_name(err), NAPI_AUTO_LENGTH, &code) != napi_ok) return NULL;
  if (napi_create_error(env, code, msg, &error) != napi_ok) return NULL;
  napi_create_int32(env, -err, &num);
  napi_set_named_property(env, error, "errno", num);
  napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &sys);
  napi_set_named_property(env, error, "syscall", sys);
  return error;
}

static napi_value throw_errno(napi_env env, int err, const char *syscall) {
  napi_value error = errno_error(env, err, syscall);
  if (error) napi_throw(env, error);
  return NULL;
}

static int arg_fd(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = want;
  int32_t fd = -1;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < want ||
      napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0) {
    napi_throw_type_error(env, NULL, "osgit_native: expected a file descriptor");
    return -1;
  }
  return fd;
}

static napi_value boolean(napi_env env, bool value) {
  napi_value out;
  CHECK(env, napi_get_boolean(env, value, &out));
  return out;
}

/* tryLock(fd, exclusive): true when taken, false when another open file holds a conflicting lock. */
static napi_value try_lock(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  bool exclusive = false;
  int fd = arg_fd(env, info, 2, argv);
  if (fd < 0) return NULL;
  CHECK(env, napi_get_value_bool(env, argv[1], &exclusive));
  struct flock fl = { .l_type = exclusive ? F_WRLCK : F_RDLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0 };
  if (fcntl(fd, F_OFD_SETLK, &fl) == 0) return boolean(env, true);
  int err = errno;
  if (err == EAGAIN || err == EACCES) return boolean(env, false);
  if (err != EINVAL) return throw_errno(env, err, "fcntl(F_OFD_SETLK)");
  /* As libostree: a kernel without OFD locks (before 3.15) gets flock(). */
  if (flock(fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) == 0) return boolean(env, true);
  err = errno;
  if (err == EWOULDBLOCK) return boolean(env, false);
  return throw_errno(env, err, "flock");
}

/* unlock(fd): drops this open file's lock (closing the descriptor drops it too). */
static napi_value unlock(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int fd = arg_fd(env, info, 1, argv);
  if (fd < 0) return NULL;
  struct flock fl = { .l_type = F_UNLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0 };
  if (fcntl(fd, F_OFD_SETLK, &fl) == 0) return NULL;
  int err = errno;
  if (err != EINVAL) return throw_errno(env, err, "fcntl(F_OFD_SETLK, F_UNLCK)");
  if (flock(fd, LOCK_UN) != 0) return throw_errno(env, errno, "flock(LOCK_UN)");
  return NULL;
}

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  int fd;
  int err;
} SyncfsJob;

static void syncfs_execute(napi_env env, void *data) {
  (void)env;
  SyncfsJob *job = data;
  job->err = syncfs(job->fd) == 0 ? 0 : errno;
}

static void syncfs_complete(napi_env env, napi_status status, void *data) {
  SyncfsJob *job = data;
  napi_value result = NULL;
  if (status != napi_ok) job->err = job->err ? job->err : EINTR;
  if (job->err == 0) {
    napi_get_undefined(env, &result);
    napi_resolve_deferred(env, job->deferred, result);
  } else {
    result = errno_error(env, job->err, "syncfs");
    napi_reject_deferred(env, job->deferred, result);
  }
  napi_delete_async_work(env, job->work);
  free(job);
}

/* syncfs(fd): a promise that resolves once the filesystem holding fd is flushed. */
static napi_value syncfs_async(napi_env env, napi_callback_info info) {
  napi_value argv[1], promise, name;
  int fd = arg_fd(env, info, 1, argv);
  if (fd < 0) return NULL;
  SyncfsJob *job = calloc(1, sizeof *job);
  if (!job) return throw_errno(env, ENOMEM, "syncfs");
  job->fd = fd;
  CHECK(env, napi_create_promise(env, &job->deferred, &promise));
  CHECK(env, napi_create_string_utf8(env, "osgit:syncfs", NAPI_AUTO_LENGTH, &name));
  CHECK(env, napi_create_async_work(env, NULL, name, syncfs_execute, syncfs_complete, job, &job->work));
  CHECK(env, napi_queue_async_work(env, job->work));
  return promise;
}

/*
 * limitMallocArenas(n): at most n malloc arenas for threads created from now on, and blocks of
 * 256 KiB or more mapped on their own; false where unsupported.
 */
static napi_value limit_malloc_arenas(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result;
  int32_t n = 0;
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || napi_get_value_int32(env, argv[0], &n) != napi_ok || n < 1) {
    napi_throw_type_error(env, NULL, "limitMallocArenas: expected a positive count");
    return NULL;
  }
  int ok = 0;
#if defined(__GLIBC__) && defined(M_ARENA_MAX)
  ok = mallopt(M_ARENA_MAX, n) == 1 && mallopt(M_MMAP_THRESHOLD, 256 * 1024) == 1;
#endif
  CHECK(env, napi_get_boolean(env, ok, &result));
  return result;
}

/* Numbers per entry in lstatDir's Float64Array. */
#define LSTAT_FIELDS 9

/*
 * lstatDir(path): [names, stats] for the entries of the folder at path (never following a
 * symlink, "." and ".." left out): names an array of strings, stats a Float64Array of
 * LSTAT_FIELDS numbers per name: mode, size, ino, uid, gid, mtime seconds, mtime nanoseconds,
 * ctime seconds, ctime nanoseconds. An entry removed between readdir and lstat is left out.
 */
static napi_value lstat_dir(napi_env env, napi_callback_info info) {
  size_t argc = 1, len = 0;
  napi_value argv[1], names, array, buffer, result, name;
  char path[PATH_MAX];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || napi_get_value_string_utf8(env, argv[0], path, sizeof path, &len) != napi_ok) {
    napi_throw_type_error(env, NULL, "lstatDir: expected a path");
    return NULL;
  }
  if (len >= sizeof path - 1) return throw_errno(env, ENAMETOOLONG, "open");
  int dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (dfd < 0) return throw_errno(env, errno, "open");
  DIR *dir = fdopendir(dfd);
  if (!dir) {
    int err = errno;
    close(dfd);
    return throw_errno(env, err, "fdopendir");
  }
  size_t cap = 64, n = 0;
  double *values = malloc(cap * LSTAT_FIELDS * sizeof *values);
  if (!values) {
    closedir(dir);
    return throw_errno(env, ENOMEM, "lstatDir");
  }
  if (napi_create_array(env, &names) != napi_ok) goto napi_failed;
  for (;;) {
    errno = 0;
    struct dirent *de = readdir(dir);
    if (!de) {
      if (errno != 0) {
        int err = errno;
        free(values);
        closedir(dir);
        return throw_errno(env, err, "readdir");
      }
      break;
    }
    const char *d = de->d_name;
    if (d[0] == '.' && (d[1] == 0 || (d[1] == '.' && d[2] == 0))) continue;
    struct stat st;
    if (fstatat(dfd, d, &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) continue;
      int err = errno;
      free(values);
      closedir(dir);
      return throw_errno(env, err, "lstat");
    }
    if (n == cap) {
      double *grown = realloc(values, cap * 2 * LSTAT_FIELDS * sizeof *values);
      if (!grown) {
        free(values);
        closedir(dir);
        return throw_errno(env, ENOMEM, "lstatDir");
      }
      values = grown;
      cap *= 2;
    }
    double *v = values + n * LSTAT_FIELDS;
    v[0] = (double)st.st_mode;
    v[1] = (double)st.st_size;
    v[2] = (double)st.st_ino;
    v[3] = (double)st.st_uid;
    v[4] = (double)st.st_gid;
    v[5] = (double)st.st_mtim.tv_sec;
    v[6] = (double)st.st_mtim.tv_nsec;
    v[7] = (double)st.st_ctim.tv_sec;
    v[8] = (double)st.st_ctim.tv_nsec;
    if (napi_create_string_utf8(env, d, NAPI_AUTO_LENGTH, &name) != napi_ok) goto napi_failed;
    if (napi_set_element(env, names, (uint32_t)n, name) != napi_ok) goto napi_failed;
    n++;
  }
  closedir(dir);
  dir = NULL;
  void *data = NULL;
  if (napi_create_arraybuffer(env, n * LSTAT_FIELDS * sizeof *values, &data, &buffer) != napi_ok) goto napi_failed;
  if (n > 0) memcpy(data, values, n * LSTAT_FIELDS * sizeof *values);
  free(values);
  values = NULL;
  CHECK(env, napi_create_typedarray(env, napi_float64_array, n * LSTAT_FIELDS, buffer, 0, &array));
  CHECK(env, napi_create_array_with_length(env, 2, &result));
  CHECK(env, napi_set_element(env, result, 0, names));
  CHECK(env, napi_set_element(env, result, 1, array));
  return result;

napi_failed:
  free(values);
  if (dir) closedir(dir);
  napi_throw_error(env, NULL, "osgit_native: N-API call failed in lstatDir");
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    { "tryLock", NULL, try_lock, NULL, NULL, NULL, napi_enumerable, NULL },
    { "unlock", NULL, unlock, NULL, NULL, NULL, napi_enumerable, NULL },
    { "syncfs", NULL, syncfs_async, NULL, NULL, NULL, napi_enumerable, NULL },
    { "limitMallocArenas", NULL, limit_malloc_arenas, NULL, NULL, NULL, napi_enumerable, NULL },
    { "lstatDir", NULL, lstat_dir, NULL, NULL, NULL, napi_enumerable, NULL },
  };
  CHECK(env, napi_define_properties(env, exports, sizeof props / sizeof props[0], props));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
