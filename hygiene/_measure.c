/*
 * hygiene._measure: the sizing loop of hygiene/measure.py, in C.
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
static int read_folder(const char *folder, Names *names, Entries *entries) {
    names->len = 0;
    entries->len = 0;
    int fd = open(folder, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        return errno;
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

static PyObject *measure_tree(PyObject *self, PyObject *args) {
    PyObject *paths;
    unsigned long long dev;
    int cross;
    if (!PyArg_ParseTuple(args, "OKp", &paths, &dev, &cross)) {
        return NULL;
    }
    PyObject *seq = PySequence_Fast(paths, "paths must be a sequence of str");
    if (seq == NULL) {
        return NULL;
    }
    Stack stack = {NULL, 0, 0};
    Names names = {NULL, 0, 0};
    Entries entries = {NULL, 0, 0};
    PyObject *links = PyDict_New();
    PyObject *errors = PyList_New(0);
    PyObject *result = NULL;
    long long total = 0, blocks = 0, files = 0, dirs = 0;
    double newest = 0.0;
    int contains_repo = 0;
    if (links == NULL || errors == NULL) {
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
        unlisted = read_folder(folder, &names, &entries);
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
    }
    result = Py_BuildValue("(LLLLdOOO)", total, blocks * 512, files, dirs, newest,
                           contains_repo ? Py_True : Py_False, links, errors);
done:
    while (stack.len) {
        free(stack.items[--stack.len]);
    }
    free(stack.items);
    free(names.buf);
    free(entries.items);
    Py_XDECREF(links);
    Py_XDECREF(errors);
    Py_DECREF(seq);
    return result;
}

static PyMethodDef methods[] = {
    {"measure_tree", measure_tree, METH_VARARGS,
     "measure_tree(paths, dev, cross) -> (bytes, disk_bytes, files, dirs, newest_mtime, "
     "contains_repo, links, errors): everything below the folders given, added up."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "hygiene._measure", NULL, -1, methods};

PyMODINIT_FUNC PyInit__measure(void) { return PyModule_Create(&module); }
