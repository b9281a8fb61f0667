/* Path resolution: from a starting directory and a path to an inode. */
#ifndef UPY_FS_NAMEI_H
#define UPY_FS_NAMEI_H

#include "fs/vfs.h"

#define WALK_FOLLOW 0x1    /* follow a symlink in the last component */
#define WALK_PARENT 0x2    /* the last component may be missing (for create) */
#define WALK_DIRECTORY 0x4 /* the result must be a directory */

struct walk_result {
	struct inode *dir;   /* the directory holding the last component (a reference) */
	struct inode *inode; /* the last component (a reference), NULL if missing */
	char last[NAME_MAX + 1]; /* the last component's name, NUL-terminated */
	size_t last_len;
	bool trailing_slash;
};

/* Resolves path (absolute, or relative to start). On success the caller
 * owns the references in *out (release with walk_release). Without
 * WALK_PARENT a missing last component is -ENOENT. */
int path_walk(struct inode *start, const char *path, unsigned flags, struct walk_result *out);
void walk_release(struct walk_result *r);

/* The absolute path of a directory, built by walking up its parents. */
int inode_dir_path(struct inode *dir, char *buf, size_t size);

#endif
