/*
 * hygiene.scan.speed._measure: the sizing loop of hygiene/scan/measure.py, in C.
 *
 * A scan spends most of its time adding up artifacts (node_modules, virtualenvs, target/), one
 * lstat per entry. In Python every entry also costs a DirEntry and a stat_result object, which
 * is about as much again as the system calls; this loop pays for the system calls only.
 *
 * It must give exactly what `measure_listings(paths, dev, cross=cross)` gives in Python
 * (tests/scan/test_measure_native.py compares the two on the same trees): folders are opened
 * with O_NOFOLLOW (a folder swapped for a symlink is an error, never followed), entries are
 * stat'ed relative to their folder without following links, other filesystems are not entered
 * unless `cross`, and files with several links are returned apart, per inode, for the caller to
 * count once. Errors are (path, reason) pairs, and the walk goes on.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <dirent.h>
#include <limits.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
    char **items;
    size_t len, cap;
} Stack;

static int push(Stack *s, char *path) {
    if (s->len == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        char **items = realloc(s->items, cap * sizeof(char *));
        if (items == NULL) {
            return -1;
        }
        s->items = items;
        s->cap = cap;
    }
    s->items[s->len++] = path;
    return 0;
}

/* One folder's entry names, NUL-separated; the buffer is reused from folder to folder. */
typedef struct {
    char *buf;
    size_t len, cap;
} Names;

static int add_name(Names *n, const char *name) {
    size_t size = strlen(name) + 1;
    if (n->len + size > n->cap) {
        size_t cap = n->cap ? n->cap : 4096;
        while (cap < n->len + size) {
            cap *= 2;
        }
        char *buf = realloc(n->buf, cap);
        if (buf == NULL) {
            return -1;
        }
        n->buf = buf;
        n->cap = cap;
    }
    memcpy(n->buf + n->len, name, size);
    n->len += size;
    return 0;
}

/* What the loop needs of one entry's lstat, or the errno it failed with; one per name. */
typedef struct {
    int err;
    mode_t mode;
    nlink_t nlink;
    dev_t dev;
    ino_t ino;
    off_t size;
    blkcnt_t blocks;
    struct timespec mtim;
} Entry;

typedef struct {
    Entry *items;
    size_t len, cap;
} Entries;

static Entry *next_entry(Entries *e) {
    if (e->len == e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 256;
        Entry *items = realloc(e->items, cap * sizeof(Entry));
        if (items == NULL) {
            return NULL;
        }
        e->items = items;
        e->cap = cap;
    }
    return &e->items[e->len++];
}

/* One folder's system calls, without the GIL: open it (never through a symlink), list it
 * whole, lstat each entry relative to it. 0, or the errno that kept it from being listed;
 * -1 when out of memory. */
#define DIR_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

/* A folder by its path; one whose path is longer than PATH_MAX (a deep node_modules), which
 * open() refuses whole, one name at a time, each opened relative to the last and never
 * through a symlink. The same as measure.open_listing does in Python. */
static int open_folder(const char *folder) {
    int fd = open(folder, DIR_FLAGS);
    if (fd >= 0 || errno != ENAMETOOLONG) {
        return fd;
    }
    int at = open(folder[0] == '/' ? "/" : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    const char *p = folder;
    char name[NAME_MAX + 1];
    while (at >= 0) {
        while (*p == '/') {
            p++;
        }
        if (*p == 0) {
            return at;
        }
        const char *end = strchr(p, '/');
        size_t n = end != NULL ? (size_t)(end - p) : strlen(p);
        if (n > NAME_MAX) {
            close(at);
            errno = ENAMETOOLONG;
            return -1;
        }
        memcpy(name, p, n);
        name[n] = 0;
        int next = openat(at, name, DIR_FLAGS);
        int err = errno;
        close(at);
        errno = err;
        at = next;
        p += n;
    }
    return -1;
}

static int read_folder(const char *folder, Names *names, Entries *entries, struct stat *self) {
    names->len = 0;
    entries->len = 0;
    int fd = open_folder(folder);
    if (fd < 0) {
        return errno;
    }
    if (self != NULL && fstat(fd, self) < 0) {
        int err = errno;
        close(fd);
        return err;
    }
    DIR *dir = fdopendir(fd);
    if (dir == NULL) {
        int err = errno;
        close(fd);
        return err;
    }
    /* The whole listing first, as os.scandir gives it to the Python loop: a folder that
     * fails to list half way is one error and none of its entries. */
    int rc = 0;
    for (;;) {
        errno = 0;
        struct dirent *entry = readdir(dir);
        if (entry == NULL) {
            rc = errno;
            break;
        }
        const char *name = entry->d_name;
        if (name[0] == '.' && (name[1] == 0 || (name[1] == '.' && name[2] == 0))) {
            continue;
        }
        if (add_name(names, name) < 0) {
            rc = -1;
            break;
        }
    }
    for (size_t at = 0; rc == 0 && at < names->len; at += strlen(names->buf + at) + 1) {
        Entry *e = next_entry(entries);
        if (e == NULL) {
            rc = -1;
            break;
        }
        struct stat st;
        if (fstatat(fd, names->buf + at, &st, AT_SYMLINK_NOFOLLOW) < 0) {
            e->err = errno;
            continue;
        }
        e->err = 0;
        e->mode = st.st_mode;
        e->nlink = st.st_nlink;
        e->dev = st.st_dev;
        e->ino = st.st_ino;
        e->size = st.st_size;
        e->blocks = st.st_blocks;
        e->mtim = st.st_mtim;
    }
    closedir(dir);
    return rc;
}

/* As Listing.child: only the root folder itself goes without the slash ("a/" gives "a//b"),
 * so error paths read exactly as in Python. */
static char *join(const char *folder, const char *name) {
    size_t a = strlen(folder), b = strlen(name);
    int slash = strcmp(folder, "/") != 0;
    char *out = malloc(a + slash + b + 1);
    if (out == NULL) {
        return NULL;
    }
    memcpy(out, folder, a);
    if (slash) {
        out[a] = '/';
    }
    memcpy(out + a + slash, name, b + 1);
    return out;
}

/* Python's own words for the reason, so both implementations report alike. */
static int add_error(PyObject *errors, const char *path, int err) {
    PyObject *p = PyUnicode_DecodeFSDefault(path);
    if (p == NULL) {
        return -1;
    }
    PyObject *reason = err == ENOENT ? PyUnicode_FromString("vanished during the scan")
                                     : PyUnicode_DecodeLocale(strerror(err), "surrogateescape");
    if (reason == NULL) {
        Py_DECREF(p);
        return -1;
    }
    PyObject *pair = PyTuple_Pack(2, p, reason);
    Py_DECREF(p);
    Py_DECREF(reason);
    if (pair == NULL) {
        return -1;
    }
    int rc = PyList_Append(errors, pair);
    Py_DECREF(pair);
    return rc;
}

static double mtime_of(const Entry *st) {
    /* As os.stat_result.st_mtime computes it. */
    return (double)st->mtim.tv_sec + (double)st->mtim.tv_nsec * 1e-9;
}

/* links[(dev, ino)] = [nlink, sightings, size, allocated bytes, mtime] */
static int add_link(PyObject *links, const Entry *st) {
    PyObject *key = Py_BuildValue("(KK)", (unsigned long long)st->dev,
                                  (unsigned long long)st->ino);
    if (key == NULL) {
        return -1;
    }
    PyObject *seen = PyDict_GetItemWithError(links, key);
    if (seen != NULL) {
        Py_DECREF(key);
        long long count = PyLong_AsLongLong(PyList_GET_ITEM(seen, 1));
        if (count == -1 && PyErr_Occurred()) {
            return -1;
        }
        PyObject *more = PyLong_FromLongLong(count + 1);
        if (more == NULL) {
            return -1;
        }
        return PyList_SetItem(seen, 1, more); /* steals `more`, drops the old count */
    }
    if (PyErr_Occurred()) {
        Py_DECREF(key);
        return -1;
    }
    PyObject *value = Py_BuildValue("[KiLLd]", (unsigned long long)st->nlink, 1,
                                    (long long)st->size, (long long)st->blocks * 512,
                                    mtime_of(st));
    if (value == NULL) {
        Py_DECREF(key);
        return -1;
    }
    int rc = PyDict_SetItem(links, key, value);
    Py_DECREF(key);
    Py_DECREF(value);
    return rc;
}

static int append_new(PyObject *list, PyObject *item) {
    if (item == NULL) {
        return -1;
    }
    int rc = PyList_Append(list, item);
    Py_DECREF(item);
    return rc;
}

/* Literal pieces of names, as bytes held by the caller's tuple (hygiene.scan.inside.PREFILTER). */
typedef struct {
    const char *s[64];
    size_t n[64];
    Py_ssize_t len;
} Literals;

static int literals(PyObject *tuple, Literals *out) {
    out->len = PyTuple_GET_SIZE(tuple);
    if (out->len > 64) {
        PyErr_SetString(PyExc_ValueError, "at most 64 literal pieces");
        return -1;
    }
    for (Py_ssize_t i = 0; i < out->len; i++) {
        PyObject *item = PyTuple_GET_ITEM(tuple, i);
        if (!PyBytes_Check(item)) {
            PyErr_SetString(PyExc_TypeError, "literal pieces must be bytes");
            return -1;
        }
        out->s[i] = PyBytes_AS_STRING(item);
        out->n[i] = (size_t)PyBytes_GET_SIZE(item);
    }
    return 0;
}

/* The same cheap test as hygiene.scan.inside.may_be_precious: one of the exact names, a literal
 * head or tail of a glob, or a glob's literal piece. A superset; Python judges the few hits. */
static int may_be_precious(const char *name, const Literals *exact, const Literals *heads,
                           const Literals *tails, const Literals *pieces) {
    size_t len = strlen(name);
    for (Py_ssize_t i = 0; i < exact->len; i++) {
        if (len == exact->n[i] && memcmp(name, exact->s[i], len) == 0) {
            return 1;
        }
    }
    for (Py_ssize_t i = 0; i < heads->len; i++) {
        if (len >= heads->n[i] && memcmp(name, heads->s[i], heads->n[i]) == 0) {
            return 1;
        }
    }
    for (Py_ssize_t i = 0; i < tails->len; i++) {
        if (len >= tails->n[i] && memcmp(name + len - tails->n[i], tails->s[i], tails->n[i]) == 0) {
            return 1;
        }
    }
    for (Py_ssize_t i = 0; i < pieces->len; i++) {
        if (strstr(name, pieces->s[i]) != NULL) {
            return 1;
        }
    }
    return 0;
}

static int add_path(PyObject *list, const char *folder, const char *name) {
    char *path = join(folder, name);
    if (path == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    int rc = append_new(list, PyUnicode_DecodeFSDefault(path));
    free(path);
    return rc;
}

static PyObject *measure_tree(PyObject *self, PyObject *args) {
    PyObject *paths, *exact_t, *heads_t, *tails_t, *pieces_t;
    unsigned long long dev;
    int cross;
    if (!PyArg_ParseTuple(args, "OKpO!O!O!O!", &paths, &dev, &cross, &PyTuple_Type, &exact_t,
                          &PyTuple_Type, &heads_t, &PyTuple_Type, &tails_t, &PyTuple_Type,
                          &pieces_t)) {
        return NULL;
    }
    Literals exact, heads, tails, pieces;
    if (literals(exact_t, &exact) < 0 || literals(heads_t, &heads) < 0 ||
        literals(tails_t, &tails) < 0 || literals(pieces_t, &pieces) < 0) {
        return NULL;
    }
    PyObject *seq = PySequence_Fast(paths, "paths must be a sequence of str");
    if (seq == NULL) {
        return NULL;
    }
    /* Entries that may keep the artifact (hygiene.scan.inside): a precious-looking name, or a
     * regular file the size of a SQLite database. */
    PyObject *candidates = PyList_New(0);
    Stack stack = {NULL, 0, 0};
    Names names = {NULL, 0, 0};
    Entries entries = {NULL, 0, 0};
    PyObject *links = PyDict_New();
    PyObject *errors = PyList_New(0);
    PyObject *result = NULL;
    long long total = 0, blocks = 0, files = 0, dirs = 0;
    double newest = 0.0;
    int contains_repo = 0;
    if (links == NULL || errors == NULL || candidates == NULL) {
        goto done;
    }
    for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(seq); i++) {
        PyObject *encoded = NULL;
        if (!PyUnicode_FSConverter(PySequence_Fast_GET_ITEM(seq, i), &encoded)) {
            goto done;
        }
        char *copy = strdup(PyBytes_AS_STRING(encoded));
        Py_DECREF(encoded);
        if (copy == NULL || push(&stack, copy) < 0) {
            free(copy);
            PyErr_NoMemory();
            goto done;
        }
    }
    while (stack.len) {
        /* Ctrl-C (and any other Python signal handler) is answered between folders, as the
         * Python loop would, not only once a subtree of a million files is added up. */
        if (PyErr_CheckSignals() < 0) {
            goto done;
        }
        char *folder = stack.items[--stack.len];
        int unlisted;
        /* Without the GIL, as os.scandir and DirEntry.stat are: the process pool's threads
         * hand out work meanwhile. */
        Py_BEGIN_ALLOW_THREADS
        unlisted = read_folder(folder, &names, &entries, NULL);
        Py_END_ALLOW_THREADS
        if (unlisted != 0) {
            int rc = -1;
            if (unlisted < 0) {
                PyErr_NoMemory();
            } else {
                rc = add_error(errors, folder, unlisted);
            }
            free(folder);
            if (rc < 0) {
                goto done;
            }
            continue;
        }
        int failed = 0;
        int git_parts = 0; /* a bare repository's entries here (hygiene.git.bare PARTS) */
        size_t at = 0;
        for (size_t i = 0; i < entries.len && !failed; i++, at += strlen(names.buf + at) + 1) {
            const char *name = names.buf + at;
            const Entry *st = &entries.items[i];
            if (st->err) {
                char *path = join(folder, name);
                if (path == NULL) {
                    PyErr_NoMemory();
                    failed = 1;
                    break;
                }
                failed = add_error(errors, path, st->err) < 0;
                free(path);
                continue;
            }
            double mtime = mtime_of(st);
            if (mtime > newest) {
                newest = mtime;
            }
            if (strcmp(name, ".git") == 0) {
                /* A folder, or a file for worktrees and submodules: someone's repository. */
                contains_repo = 1;
            } else if (strcmp(name, "HEAD") == 0) {
                git_parts |= 1;
            } else if (strcmp(name, "objects") == 0) {
                git_parts |= 2;
            } else if (strcmp(name, "refs") == 0) {
                git_parts |= 4;
            } else if (strcmp(name, "packed-refs") == 0) {
                git_parts |= 8;
            }
            if (!S_ISDIR(st->mode) &&
                ((S_ISREG(st->mode) && st->size >= 512 && st->size % 512 == 0) ||
                 may_be_precious(name, &exact, &heads, &tails, &pieces)) &&
                add_path(candidates, folder, name) < 0) {
                failed = 1;
                break;
            }
            if (S_ISDIR(st->mode)) {
                if ((unsigned long long)st->dev != dev && !cross) {
                    continue;
                }
                dirs++;
                total += st->size;
                blocks += st->blocks;
                char *path = join(folder, name);
                if (path == NULL || push(&stack, path) < 0) {
                    free(path);
                    PyErr_NoMemory();
                    failed = 1;
                }
            } else if (st->nlink > 1) {
                failed = add_link(links, st) < 0;
            } else {
                files++;
                total += st->size;
                blocks += st->blocks;
            }
        }
        free(folder);
        if (failed) {
            goto done;
        }
        if ((git_parts & 2) && (git_parts & ~2)) { /* objects and one more: holds_objects */
            contains_repo = 1; /* a bare repository: commits maybe nowhere else */
        }
    }
    result = Py_BuildValue("(LLLLdOOOO)", total, blocks * 512, files, dirs, newest,
                           contains_repo ? Py_True : Py_False, links, errors, candidates);
done:
    while (stack.len) {
        free(stack.items[--stack.len]);
    }
    free(stack.items);
    free(names.buf);
    free(entries.items);
    Py_XDECREF(links);
    Py_XDECREF(errors);
    Py_XDECREF(candidates);
    Py_DECREF(seq);
    return result;
}

/* True when a file name passes the rule table's cheap test (RuleIndex.file_prefilter): one of
 * the exact names, a literal head or tail of a glob, or a glob's literal piece. A superset of
 * the names a file rule can match; the caller judges those properly. */
static int worth_a_look(PyObject *name, PyObject *exact, PyObject *heads, PyObject *tails,
                        PyObject *pieces) {
    int hit = PySet_Contains(exact, name);
    for (Py_ssize_t i = 0; hit == 0 && i < PyTuple_GET_SIZE(heads); i++) {
        hit = (int)PyUnicode_Tailmatch(name, PyTuple_GET_ITEM(heads, i), 0, PY_SSIZE_T_MAX, -1);
    }
    for (Py_ssize_t i = 0; hit == 0 && i < PyTuple_GET_SIZE(tails); i++) {
        hit = (int)PyUnicode_Tailmatch(name, PyTuple_GET_ITEM(tails, i), 0, PY_SSIZE_T_MAX, 1);
    }
    for (Py_ssize_t i = 0; hit == 0 && i < PyTuple_GET_SIZE(pieces); i++) {
        hit = PyUnicode_Contains(name, PyTuple_GET_ITEM(pieces, i));
    }
    return hit; /* -1 with an exception set */
}

/* list_folder: one folder of the walk (walk.py's `_walk`), its system calls and its sums in C.
 * Python keeps the judging: it gets every name, the subfolders to enter, the files with
 * several links (to count once), the names worth a rule's look and the files another detector
 * asked about by size. Must give exactly what measure.list_folder_python gives. */
static PyObject *list_folder(PyObject *self, PyObject *args) {
    PyObject *path_obj, *exact, *heads, *tails, *pieces;
    unsigned long long dev;
    int cross, sqlite;
    long long large;
    if (!PyArg_ParseTuple(args, "UKpLpO!O!O!O!", &path_obj, &dev, &cross, &large, &sqlite,
                          &PyFrozenSet_Type, &exact, &PyTuple_Type, &heads, &PyTuple_Type,
                          &tails, &PyTuple_Type, &pieces)) {
        return NULL;
    }
    PyObject *encoded = NULL;
    if (!PyUnicode_FSConverter(path_obj, &encoded)) {
        return NULL;
    }
    Names names = {NULL, 0, 0};
    Entries entries = {NULL, 0, 0};
    struct stat here;
    int unlisted;
    Py_BEGIN_ALLOW_THREADS
    unlisted = read_folder(PyBytes_AS_STRING(encoded), &names, &entries, &here);
    Py_END_ALLOW_THREADS
    Py_DECREF(encoded);
    PyObject *all = NULL, *subdirs = NULL, *links = NULL, *wanted = NULL, *seen = NULL;
    PyObject *errors = NULL, *result = NULL;
    if (unlisted != 0) {
        if (unlisted < 0) {
            PyErr_NoMemory();
        } else {
            errno = unlisted;
            PyErr_SetFromErrnoWithFilenameObject(PyExc_OSError, path_obj);
        }
        goto done;
    }
    all = PyList_New(0);
    subdirs = PyList_New(0);
    links = PyList_New(0);
    wanted = PyList_New(0);
    seen = PyList_New(0);
    errors = PyList_New(0);
    if (!all || !subdirs || !links || !wanted || !seen || !errors) {
        goto done;
    }
    long long dirs = 0, files = 0, total = 0, blocks = 0;
    double newest = 0.0;
    size_t at = 0;
    for (size_t i = 0; i < entries.len; i++, at += strlen(names.buf + at) + 1) {
        const Entry *st = &entries.items[i];
        PyObject *name = PyUnicode_DecodeFSDefault(names.buf + at);
        if (name == NULL) {
            goto done;
        }
        int rc = PyList_Append(all, name);
        if (!st->err && mtime_of(st) > newest) {
            newest = mtime_of(st);
        }
        if (rc == 0 && st->err) {
            rc = append_new(errors, Py_BuildValue("(Oi)", name, st->err));
        } else if (rc == 0 && S_ISDIR(st->mode)) {
            if ((unsigned long long)st->dev == dev || cross) {
                dirs++;
                total += st->size;
                blocks += st->blocks;
                rc = PyList_Append(subdirs, name);
            }
        } else if (rc == 0 && st->nlink > 1) {
            rc = append_new(links, Py_BuildValue("(OKKLLIKd)", name, (unsigned long long)st->dev,
                                                 (unsigned long long)st->ino, (long long)st->size,
                                                 (long long)st->blocks * 512,
                                                 (unsigned int)st->mode,
                                                 (unsigned long long)st->nlink, mtime_of(st)));
        } else if (rc == 0) {
            files++;
            total += st->size;
            blocks += st->blocks;
            int look = worth_a_look(name, exact, heads, tails, pieces);
            rc = look < 0 ? -1 : look ? PyList_Append(wanted, name) : 0;
            if (rc == 0 && S_ISREG(st->mode) &&
                ((large >= 0 && st->size >= large) ||
                 (sqlite && st->size >= 512 && st->size % 512 == 0))) {
                rc = PyList_Append(seen, name);
            }
        }
        Py_DECREF(name);
        if (rc < 0) {
            goto done;
        }
    }
    result = Py_BuildValue("(OLLLLOOOOOKKd)", all, dirs, files, total, blocks * 512, subdirs,
                           links, wanted, seen, errors, (unsigned long long)here.st_dev,
                           (unsigned long long)here.st_ino, newest);
done:
    free(names.buf);
    free(entries.items);
    Py_XDECREF(all);
    Py_XDECREF(subdirs);
    Py_XDECREF(links);
    Py_XDECREF(wanted);
    Py_XDECREF(seen);
    Py_XDECREF(errors);
    return result;
}

/* dirs_holding: which folders on the way to some paths hold an entry called `name` (hygiene/
 * ignorescope.py looks for the `.gitignore` files git reads for a work tree's paths). `paths`
 * are NUL-separated, relative to `root`; every folder above each path (root included, as b"")
 * is looked at once per run of paths below it, so a sorted listing costs one lstat per folder.
 * Returns (folder, st_mode of the entry, or -errno when it could not be looked at). Must give
 * what ignorescope.dirs_holding_python gives. */
static PyObject *dirs_holding(PyObject *self, PyObject *args) {
    PyObject *root_obj;
    Py_buffer paths;
    const char *name;
    Py_ssize_t name_len;
    if (!PyArg_ParseTuple(args, "O&y*y#", PyUnicode_FSConverter, &root_obj, &paths, &name,
                          &name_len)) {
        return NULL;
    }
    PyObject *out = NULL;
    PyObject *checked = NULL;
    char *buf = NULL;
    int rootfd = open(PyBytes_AS_STRING(root_obj), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0) {
        PyErr_SetFromErrnoWithFilenameObject(PyExc_OSError, root_obj);
        goto done;
    }
    const char *data = paths.buf;
    size_t size = (size_t)paths.len;
    buf = malloc(size + (size_t)name_len + 2);
    out = PyList_New(0);
    /* The folders looked at: one seen again, after paths elsewhere, is not looked at twice. */
    checked = PySet_New(NULL);
    if (buf == NULL || out == NULL || checked == NULL) {
        if (buf == NULL) {
            PyErr_NoMemory();
        }
        Py_CLEAR(out);
        goto done;
    }
    /* The folder of the previous path: its ancestors (and itself) are looked at already. */
    const char *prev = NULL;
    size_t prev_len = 0;
    size_t start = 0;
    while (start < size) {
        const char *entry = data + start;
        const char *nul = memchr(entry, '\0', size - start);
        size_t len = nul ? (size_t)(nul - entry) : size - start;
        start += len + 1;
        if (len == 0) {
            continue;
        }
        size_t dir_len = 0; /* the entry's folder: up to its last "/" */
        for (size_t i = len; i > 0; i--) {
            if (entry[i - 1] == '/') {
                dir_len = i - 1;
                break;
            }
        }
        /* Each folder from the root down: the root (k = 0), then entry[:k] at every "/". */
        for (size_t k = 0; k <= dir_len; k++) {
            if (k != 0 && entry[k] != '/') {
                continue;
            }
            /* The root is above every folder; any other is known if it is the previous
             * path's folder or one above it. */
            int known = prev != NULL && (k == 0 || (prev_len >= k && memcmp(prev, entry, k) == 0 &&
                                                    (prev_len == k || prev[k] == '/')));
            if (known) {
                continue;
            }
            /* Looked at once, whatever the order of the paths (the scan appends its candidates
             * to a sorted listing): a set lookup costs less than the lstat. */
            PyObject *folder = PyBytes_FromStringAndSize(entry, (Py_ssize_t)k);
            int again = folder == NULL ? -1 : PySet_Contains(checked, folder);
            if (again == 0) {
                again = PySet_Add(checked, folder);
            }
            if (again != 0) {
                Py_XDECREF(folder);
                if (again < 0) {
                    Py_CLEAR(out);
                    goto done;
                }
                continue;
            }
            size_t at = 0;
            if (k > 0) {
                memcpy(buf, entry, k);
                buf[k] = '/';
                at = k + 1;
            }
            memcpy(buf + at, name, (size_t)name_len);
            buf[at + (size_t)name_len] = '\0';
            struct stat st;
            long mode = 0;
            int found = 1;
            if (fstatat(rootfd, buf, &st, AT_SYMLINK_NOFOLLOW) == 0) {
                mode = (long)st.st_mode;
            } else if (errno == ENOENT || errno == ENOTDIR) {
                found = 0;
            } else {
                mode = -(long)errno;
            }
            int rc = found ? append_new(out, Py_BuildValue("(Ol)", folder, mode)) : 0;
            Py_DECREF(folder);
            if (rc < 0) {
                Py_CLEAR(out);
                goto done;
            }
        }
        prev = entry;
        prev_len = dir_len;
    }
done:
    if (rootfd >= 0) {
        close(rootfd);
    }
    free(buf);
    Py_XDECREF(checked);
    PyBuffer_Release(&paths);
    Py_DECREF(root_obj);
    return out;
}

/* index_names: the names of a version 2 or 3 git index's `count` entries (the loop of
 * gitindex._entries_padded, which it must match exactly), each followed by a NUL, and where the
 * entries end; None where that loop finds the file inconsistent. `end` is where the trailing
 * hash starts. Entries: 62 bytes of stat data, object id and flags, 2 more of extended flags
 * in version 3 when flagged, the name, then 1 to 8 NULs up to a multiple of 8 bytes. */
static PyObject *index_names(PyObject *self, PyObject *args) {
    Py_buffer view;
    Py_ssize_t count, end;
    int version;
    if (!PyArg_ParseTuple(args, "y*nni", &view, &count, &end, &version)) {
        return NULL;
    }
    const unsigned char *data = view.buf;
    size_t len = (size_t)view.len;
    size_t limit = end < 0 ? 0 : (size_t)end;
    if (limit > len) {
        limit = len;
    }
    char *out = NULL;
    size_t used = 0, cap = 0;
    PyObject *result = NULL;
    size_t pos = 12;
    for (Py_ssize_t i = 0; i < count; i++) {
        if (pos + 62 > len) {
            goto unsure;
        }
        unsigned int flags = (unsigned int)data[pos + 60] << 8 | data[pos + 61];
        size_t name_at = pos + 62;
        if (flags & 0x4000) {
            if (version < 3 || pos + 64 > len ||
                (((unsigned int)data[pos + 62] << 8 | data[pos + 63]) & ~0x6000u)) {
                goto unsure;
            }
            name_at = pos + 64;
        }
        size_t length = flags & 0xFFF, name_end;
        if (length == 0xFFF) {
            const unsigned char *nul =
                name_at < limit ? memchr(data + name_at, 0, limit - name_at) : NULL;
            if (nul == NULL || (size_t)(nul - data) - name_at < 0xFFF) {
                goto unsure;
            }
            name_end = (size_t)(nul - data);
        } else {
            name_end = name_at + length;
        }
        size_t next = pos + ((name_end - pos + 8) & ~(size_t)7);
        if (next > len) {
            goto unsure;
        }
        for (size_t at = name_end; at < next; at++) {
            if (data[at] != 0) {
                goto unsure;
            }
        }
        size_t size = name_end - name_at + 1;
        if (used + size > cap) {
            size_t grown = cap ? cap * 2 : 1 << 16;
            while (grown < used + size) {
                grown *= 2;
            }
            char *bigger = realloc(out, grown);
            if (bigger == NULL) {
                PyErr_NoMemory();
                goto done;
            }
            out = bigger;
            cap = grown;
        }
        memcpy(out + used, data + name_at, size); /* the name and its first NUL */
        used += size;
        pos = next;
    }
    if (pos > limit) {
        goto unsure;
    }
    result = Py_BuildValue("(y#n)", out ? out : "", (Py_ssize_t)used, (Py_ssize_t)pos);
    goto done;
unsure:
    result = Py_NewRef(Py_None);
done:
    free(out);
    PyBuffer_Release(&view);
    return result;
}

static PyMethodDef methods[] = {
    {"index_names", index_names, METH_VARARGS,
     "index_names(data, count, end, version) -> (names, position) or None: the NUL-ended names "
     "of a version 2 or 3 index's entries, and where they end."},
    {"dirs_holding", dirs_holding, METH_VARARGS,
     "dirs_holding(root, paths, name) -> [(folder, st_mode or -errno)]: the folders above "
     "the NUL-separated paths that hold an entry called name."},
    {"list_folder", list_folder, METH_VARARGS,
     "list_folder(path, dev, cross, large, sqlite, exact, heads, tails, pieces) -> (names, "
     "dirs, files, bytes, disk_bytes, subdirs, links, wanted, seen, errors, dev, ino, "
     "newest_mtime): one folder of the walk."},
    {"measure_tree", measure_tree, METH_VARARGS,
     "measure_tree(paths, dev, cross) -> (bytes, disk_bytes, files, dirs, newest_mtime, "
     "contains_repo, links, errors, candidates): everything below the folders given, added up."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "hygiene.scan.speed._measure", NULL, -1, methods};

PyMODINIT_FUNC PyInit__measure(void) { return PyModule_Create(&module); }
