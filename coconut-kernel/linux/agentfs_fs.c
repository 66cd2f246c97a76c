// SPDX-License-Identifier: GPL-2.0
/*
 * agentfs in the module: a small read-only pseudo filesystem ("agentfs", mounted at /agent)
 * whose files are rendered by co_agentfs_render() (kernel/agent/agentfs.c), the same C the
 * simulator renders with:
 *
 *	/agent/live/<aid>/{status,caps,attestation,audit_tail,budget,children}
 *
 * Nothing is cached: a lookup of <aid> asks the agent table, and opening a file renders it
 * whole under the instance lock into a buffer that read() serves (so one open sees one
 * consistent state). Every dentry is dropped when unused (simple_dentry_operations), so an
 * agent evicted from the table vanishes from agentfs. The filesystem pins the module while
 * mounted: unmount /agent before rmmod.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/fs_parser.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "coconut/resources.h"
#include "coconut_mod.h"

#define AGENTFS_MAGIC 0xc0c0a6e7
#define AGENTFS_INO_ROOT 1
#define AGENTFS_INO_LIVE 2
/* An agent's directory is (aid + 1) << 3, its files that | (1 + file): never 1 or 2. */
#define AGENTFS_INO_SHIFT 3
/* Decimal digits of a u64. */
#define AGENTFS_AID_DIGITS_MAX 20
/* Render buffer: 4 KiB first, doubled on -EMSGSIZE up to 256 KiB (caps is at most ~67 KiB). */
#define AGENTFS_RENDER_BYTES_FIRST 4096u
#define AGENTFS_RENDER_ROUNDS_MAX 7

struct agentfs_buf {
	size_t len;
	char data[];
};

/*
 * Who may read a mount (mount options uid=, gid=, mode=): every file and directory belongs to
 * uid:gid; files have `mode` (permission bits only), directories the same plus x where r is
 * set. The default, root's only (0400), matches the ioctls, which guard attestation, budgets
 * and the audit trail: agentfs showed them to every local user (0444). docs/agentfs.md.
 */
struct agentfs_opts {
	kuid_t uid;
	kgid_t gid;
	umode_t mode;
};

#define AGENTFS_MODE_DEFAULT 0400

static const struct inode_operations agentfs_root_iops;
static const struct file_operations agentfs_root_fops;
static const struct inode_operations agentfs_live_iops;
static const struct file_operations agentfs_live_fops;
static const struct inode_operations agentfs_agent_iops;
static const struct file_operations agentfs_agent_fops;
static const struct file_operations agentfs_file_fops;

/* type is S_IFDIR or S_IFREG; the permissions and owner come from the mount's options. */
static struct inode *agentfs_inode(struct super_block *sb, unsigned long ino, umode_t type,
				   const struct inode_operations *iops,
				   const struct file_operations *fops)
{
	const struct agentfs_opts *o = sb->s_fs_info;
	struct inode *inode = new_inode(sb);

	if (!inode)
		return NULL;
	inode->i_ino = ino;
	inode->i_mode = type | (S_ISDIR(type) ? o->mode | ((o->mode & 0444) >> 2) : o->mode);
	inode->i_uid = o->uid;
	inode->i_gid = o->gid;
	if (iops) /* else new_inode()'s empty operations */
		inode->i_op = iops;
	inode->i_fop = fops;
	simple_inode_init_ts(inode);
	if (S_ISDIR(type))
		set_nlink(inode, 2);
	return inode;
}

static unsigned long agentfs_agent_ino(u64 aid)
{
	return (unsigned long)((aid + 1) << AGENTFS_INO_SHIFT);
}

static u64 agentfs_inode_aid(const struct inode *inode)
{
	return (u64)(inode->i_ino >> AGENTFS_INO_SHIFT) - 1;
}

/* Decimal without sign or leading zero, fitting a u64; 0 (never an AID) otherwise. */
static u64 agentfs_parse_aid(const char *s, unsigned int len)
{
	u64 v = 0;
	unsigned int i;

	if (len == 0 || len > AGENTFS_AID_DIGITS_MAX || (s[0] == '0'))
		return 0;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		if (v > (U64_MAX - (u64)(s[i] - '0')) / 10)
			return 0;
		v = v * 10 + (u64)(s[i] - '0');
	}
	return v;
}

static bool agentfs_agent_exists(u64 aid)
{
	struct co_kernel *k = coconut_mod.k;
	bool found;

	co_kernel_lock(k);
	found = co_agent_find(k, aid) != NULL;
	co_kernel_unlock(k);
	return found;
}

/* ---- / ------------------------------------------------------------------------------------ */

static struct dentry *agentfs_root_lookup(struct inode *dir, struct dentry *d, unsigned int fl)
{
	struct inode *inode = NULL;

	(void)fl;
	if (d->d_name.len == 4 && memcmp(d->d_name.name, "live", 4) == 0) {
		inode = agentfs_inode(dir->i_sb, AGENTFS_INO_LIVE, S_IFDIR,
				      &agentfs_live_iops, &agentfs_live_fops);
		if (!inode)
			return ERR_PTR(-ENOMEM);
	}
	d_add(d, inode);
	return NULL;
}

static int agentfs_root_iterate(struct file *file, struct dir_context *ctx)
{
	(void)file;
	if (!dir_emit_dots(file, ctx))
		return 0;
	if (ctx->pos == 2) {
		if (!dir_emit(ctx, "live", 4, AGENTFS_INO_LIVE, DT_DIR))
			return 0;
		ctx->pos++;
	}
	return 0;
}

/* ---- /live -------------------------------------------------------------------------------- */

static struct dentry *agentfs_live_lookup(struct inode *dir, struct dentry *d, unsigned int fl)
{
	struct inode *inode = NULL;
	u64 aid;

	(void)fl;
	aid = agentfs_parse_aid((const char *)d->d_name.name, d->d_name.len);
	if (aid && agentfs_agent_exists(aid)) {
		inode = agentfs_inode(dir->i_sb, agentfs_agent_ino(aid), S_IFDIR,
				      &agentfs_agent_iops, &agentfs_agent_fops);
		if (!inode)
			return ERR_PTR(-ENOMEM);
	}
	d_add(d, inode);
	return NULL;
}

/* Entries 2.. are the agent table's slots in order; an empty slot emits nothing. */
static int agentfs_live_iterate(struct file *file, struct dir_context *ctx)
{
	struct co_kernel *k = coconut_mod.k;
	char name[AGENTFS_AID_DIGITS_MAX + 1];
	u64 aid;
	int len;

	if (!dir_emit_dots(file, ctx))
		return 0;
	for (; ctx->pos >= 2 && ctx->pos < 2 + CO_AGENTS_MAX; ctx->pos++) {
		co_kernel_lock(k);
		aid = k->agents[ctx->pos - 2] ? k->agents[ctx->pos - 2]->aid : 0;
		co_kernel_unlock(k);
		if (!aid)
			continue;
		len = snprintf(name, sizeof(name), "%llu", (unsigned long long)aid);
		if (!dir_emit(ctx, name, len, agentfs_agent_ino(aid), DT_DIR))
			return 0;
	}
	return 0;
}

/* ---- /live/<aid> -------------------------------------------------------------------------- */

static struct dentry *agentfs_agent_lookup(struct inode *dir, struct dentry *d, unsigned int fl)
{
	struct inode *inode = NULL;
	const char *fname;
	u32 f;

	(void)fl;
	for (f = 0; f < CO_AGENTFS_FILE_COUNT; f++) {
		fname = co_agentfs_file_name(f);
		if (strlen(fname) == d->d_name.len &&
		    memcmp(fname, d->d_name.name, d->d_name.len) == 0)
			break;
	}
	if (f < CO_AGENTFS_FILE_COUNT) {
		inode = agentfs_inode(dir->i_sb, dir->i_ino | (1 + f), S_IFREG, NULL,
				      &agentfs_file_fops);
		if (!inode)
			return ERR_PTR(-ENOMEM);
	}
	d_add(d, inode);
	return NULL;
}

static int agentfs_agent_iterate(struct file *file, struct dir_context *ctx)
{
	struct inode *dir = file_inode(file);
	const char *fname;

	if (!dir_emit_dots(file, ctx))
		return 0;
	for (; ctx->pos >= 2 && ctx->pos < 2 + CO_AGENTFS_FILE_COUNT; ctx->pos++) {
		fname = co_agentfs_file_name(ctx->pos - 2);
		if (!dir_emit(ctx, fname, strlen(fname), dir->i_ino | (ctx->pos - 1), DT_REG))
			return 0;
	}
	return 0;
}

/* ---- the files ---------------------------------------------------------------------------- */

static int agentfs_file_open(struct inode *inode, struct file *file)
{
	struct co_kernel *k = coconut_mod.k;
	u32 f = (u32)(inode->i_ino & ((1u << AGENTFS_INO_SHIFT) - 1)) - 1;
	u64 aid = agentfs_inode_aid(inode);
	size_t cap = AGENTFS_RENDER_BYTES_FIRST;
	struct agentfs_buf *b;
	int round, n = -EMSGSIZE;

	for (round = 0; round < AGENTFS_RENDER_ROUNDS_MAX && n == -EMSGSIZE; round++, cap *= 2) {
		/* Charged to the opener's memory cgroup: an open file pins up to 256 KiB. */
		b = kvmalloc(sizeof(*b) + cap, GFP_KERNEL_ACCOUNT);
		if (!b)
			return -ENOMEM;
		co_kernel_lock(k);
		n = co_agentfs_render(k, aid, f, b->data, cap);
		co_kernel_unlock(k);
		if (n >= 0)
			break;
		kvfree(b);
	}
	if (n < 0)
		return n == -ESRCH ? -ENOENT : n;
	b->len = (size_t)n;
	file->private_data = b;
	return 0;
}

static ssize_t agentfs_file_read(struct file *file, char __user *ubuf, size_t len, loff_t *pos)
{
	struct agentfs_buf *b = file->private_data;

	return simple_read_from_buffer(ubuf, len, pos, b->data, b->len);
}

static int agentfs_file_release(struct inode *inode, struct file *file)
{
	(void)inode;
	kvfree(file->private_data);
	return 0;
}

static const struct inode_operations agentfs_root_iops = { .lookup = agentfs_root_lookup };
static const struct file_operations agentfs_root_fops = {
	.llseek = generic_file_llseek,
	.read = generic_read_dir,
	.iterate_shared = agentfs_root_iterate,
};
static const struct inode_operations agentfs_live_iops = { .lookup = agentfs_live_lookup };
static const struct file_operations agentfs_live_fops = {
	.llseek = generic_file_llseek,
	.read = generic_read_dir,
	.iterate_shared = agentfs_live_iterate,
};
static const struct inode_operations agentfs_agent_iops = { .lookup = agentfs_agent_lookup };
static const struct file_operations agentfs_agent_fops = {
	.llseek = generic_file_llseek,
	.read = generic_read_dir,
	.iterate_shared = agentfs_agent_iterate,
};
static const struct file_operations agentfs_file_fops = {
	.owner = THIS_MODULE,
	.open = agentfs_file_open,
	.read = agentfs_file_read,
	.release = agentfs_file_release,
	.llseek = default_llseek,
};

/* ---- the filesystem ----------------------------------------------------------------------- */

/* Inodes are built on each lookup and dropped with their last dentry. */
static const struct super_operations agentfs_sops = {
	.statfs = simple_statfs,
	.drop_inode = generic_delete_inode,
};

static int agentfs_fill_super(struct super_block *sb, struct fs_context *fc)
{
	struct inode *root;

	sb->s_fs_info = fc->fs_private; /* the options: freed with the superblock */
	fc->fs_private = NULL;
	sb->s_blocksize = PAGE_SIZE;
	sb->s_blocksize_bits = PAGE_SHIFT;
	sb->s_magic = AGENTFS_MAGIC;
	sb->s_op = &agentfs_sops;
	sb->s_d_op = &simple_dentry_operations; /* drop every unused dentry: nothing stale */
	sb->s_time_gran = 1;
	sb->s_flags |= SB_RDONLY;
	root = agentfs_inode(sb, AGENTFS_INO_ROOT, S_IFDIR, &agentfs_root_iops,
			     &agentfs_root_fops);
	if (!root)
		return -ENOMEM;
	sb->s_root = d_make_root(root);
	return sb->s_root ? 0 : -ENOMEM;
}

static int agentfs_get_tree(struct fs_context *fc)
{
	return get_tree_nodev(fc, agentfs_fill_super);
}

enum { AGENTFS_OPT_UID, AGENTFS_OPT_GID, AGENTFS_OPT_MODE };

static const struct fs_parameter_spec agentfs_params[] = {
	fsparam_uid("uid", AGENTFS_OPT_UID),
	fsparam_gid("gid", AGENTFS_OPT_GID),
	fsparam_u32oct("mode", AGENTFS_OPT_MODE),
	{}
};

/* An unknown option, a uid or gid with no mapping, mode beyond 0777: EINVAL, nothing mounted. */
static int agentfs_parse_param(struct fs_context *fc, struct fs_parameter *param)
{
	struct agentfs_opts *o = fc->fs_private;
	struct fs_parse_result r;
	int opt = fs_parse(fc, agentfs_params, param, &r);

	if (opt < 0)
		return opt;
	switch (opt) {
	case AGENTFS_OPT_UID:
		o->uid = r.uid;
		break;
	case AGENTFS_OPT_GID:
		o->gid = r.gid;
		break;
	case AGENTFS_OPT_MODE:
		if (r.uint_32 & ~0777u)
			return invalfc(fc, "mode: permission bits only, 0 to 0777");
		o->mode = (umode_t)r.uint_32;
		break;
	}
	return 0;
}

static void agentfs_free_fc(struct fs_context *fc)
{
	kfree(fc->fs_private);
}

static const struct fs_context_operations agentfs_context_ops = {
	.parse_param = agentfs_parse_param,
	.get_tree = agentfs_get_tree,
	.free = agentfs_free_fc,
};

static int agentfs_init_fs_context(struct fs_context *fc)
{
	struct agentfs_opts *o = kzalloc(sizeof(*o), GFP_KERNEL);

	if (!o)
		return -ENOMEM;
	o->uid = GLOBAL_ROOT_UID;
	o->gid = GLOBAL_ROOT_GID;
	o->mode = AGENTFS_MODE_DEFAULT;
	fc->fs_private = o;
	fc->ops = &agentfs_context_ops;
	return 0;
}

static void agentfs_kill_sb(struct super_block *sb)
{
	struct agentfs_opts *o = sb->s_fs_info;

	kill_anon_super(sb);
	kfree(o);
}

static struct file_system_type agentfs_type = {
	.owner = THIS_MODULE,
	.name = "agentfs",
	.init_fs_context = agentfs_init_fs_context,
	.kill_sb = agentfs_kill_sb,
};

int coconut_agentfs_register(void)
{
	return register_filesystem(&agentfs_type);
}

void coconut_agentfs_unregister(void)
{
	unregister_filesystem(&agentfs_type);
}
