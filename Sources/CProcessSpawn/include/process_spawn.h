#ifndef MIAUDIT_PROCESS_SPAWN_H
#define MIAUDIT_PROCESS_SPAWN_H

#include <sys/types.h>

/// Starts the program at `path` with `arguments` (NULL-terminated, arguments[0] the program's
/// name) and this process's environment, without a shell:
/// - in a new process group whose id is the child's pid (so the whole group can be signalled);
/// - with descriptors `input`, `output` and `error` as its stdin, stdout and stderr;
/// - in `directory` when it is not NULL;
/// - with no signal blocked and every signal's disposition at its default.
/// Returns 0 and stores the child's pid in `pid`, or an errno value (the exec's own error when
/// the program could not be run, e.g. ENOENT or EACCES).
int miaudit_spawn(const char *path, char *const arguments[], const char *directory,
                  int input, int output, int error, pid_t *pid);

/// waitpid(pid, ...) that retries on EINTR and decodes the status: returns 0 and sets `signalled`
/// (1 when a signal ended the child) and `code` (its exit status, or the signal's number), or an
/// errno value. With `block` 0 it does not wait, and returns EAGAIN while the child still runs.
int miaudit_wait(pid_t pid, int block, int *signalled, int *code);

/// pipe(2) with both ends close-on-exec, atomically where the system allows (pipe2 on Linux).
/// Returns 0, or an errno value.
int miaudit_pipe(int descriptors[2]);

#endif
