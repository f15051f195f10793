/*
 * title:    XFS create: one NOFS scope reaches an allocation four calls deeper
 * teaches:  xfs_trans_alloc() opens a memalloc_nofs_save() scope, so the plain GFP_KERNEL | __GFP_NOFAIL inode allocation deep in the create path runs as GFP_NOFS | __GFP_NOFAIL and reclaim skips the superblock shrinker instead of re-entering XFS
 * source:   fs/xfs/xfs_trans.c (xfs_trans_alloc), fs/xfs/xfs_trans.h (xfs_trans_set_context), fs/xfs/xfs_icache.c (xfs_inode_alloc), Linux 6.12.117; Dave Chinner, "xfs: remove the remaining kmem wrappers" series (linux-xfs msg79706, Jan 2024); reference/scenarios.md §2
 * kernel:   6.12
 * machine:  x86_64-64M
 * pressure: page_cache 63% (dirty 15%), anon 25%, slab_reclaimable 12%
 * free:     min
 * swap:     32M
 * seed:     1
 */

struct kmem_cache *xfs_trans_cache = kmem_cache_create("xfs_trans", 232, 0);
struct kmem_cache *xfs_inode_cache = kmem_cache_create("xfs_inode", 1024, SLAB_RECLAIM_ACCOUNT | SLAB_ACCOUNT);
struct kmem_cache *xfs_ili_cache = kmem_cache_create("xfs_ili", 264, SLAB_RECLAIM_ACCOUNT);

/* The inode lock. XFS inode reclaim (the superblock shrinker) takes it too. */
DEFINE_MUTEX(xfs_ilock) __taken_by_fs_reclaim;

SYSCALL(touch) __pid(1000) __comm("touch")
{
	/* openat(O_CREAT) -> path_openat -> lookup_open -> xfs_vn_create -> xfs_generic_create */
	return xfs_create();
}

int xfs_create(void)
{
	struct xfs_trans *tp;
	unsigned int t_pflags;
	int error;

	/*
	 * xfs_trans_alloc_icreate() -> xfs_trans_alloc(): the transaction itself is
	 * allocated *before* the scope starts, so this one is plain GFP_KERNEL.
	 */
	tp = kmem_cache_zalloc(xfs_trans_cache, GFP_KERNEL | __GFP_NOFAIL);
	t_pflags = memalloc_nofs_save();	/* xfs_trans_set_context(tp) */

	mutex_lock(&xfs_ilock);			/* xfs_ilock(dp, XFS_ILOCK_EXCL) */
	error = xfs_icreate();
	mutex_unlock(&xfs_ilock);

	/* xfs_trans_commit() -> xfs_trans_free() -> xfs_trans_clear_context(tp) */
	memalloc_nofs_restore(t_pflags);
	kmem_cache_free(xfs_trans_cache, tp);
	return error;
}

int xfs_icreate(void)
{
	/* xfs_dialloc() chose an inode number; instantiate the in-core inode. */
	struct xfs_inode *ip = xfs_iget();

	if (!ip)
		return -ENOMEM;
	return xfs_trans_ijoin(ip);	/* xfs_trans_ijoin(tp, ip, 0) */
}

struct xfs_inode *xfs_iget(void)
{
	/* Not in the inode cache: xfs_iget_cache_miss(). */
	return xfs_inode_alloc();
}

struct xfs_inode *xfs_inode_alloc(void)
{
	/*
	 * alloc_inode_sb(mp->m_super, xfs_inode_cache, GFP_KERNEL | __GFP_NOFAIL).
	 * The code says GFP_KERNEL; the scope makes it GFP_NOFS | __GFP_NOFAIL.
	 */
	return kmem_cache_alloc(xfs_inode_cache, GFP_KERNEL | __GFP_NOFAIL);
}

int xfs_trans_ijoin(struct xfs_inode *ip)
{
	/* xfs_inode_item_init(): the log item, also inside the scope. */
	void *iip = kmem_cache_zalloc(xfs_ili_cache, GFP_KERNEL | __GFP_NOFAIL);

	return iip ? 0 : -ENOMEM;
}
