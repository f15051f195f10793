/*
 * title:    kvmalloc: a fail-fast kmalloc first, then vmalloc (which turns NOFS into a scope)
 * teaches:  kvmalloc rewrites the caller's flags for the physically contiguous attempt (for sizes above PAGE_SIZE it adds __GFP_NOWARN, adds __GFP_NORETRY unless __GFP_RETRY_MAYFAIL, and drops __GFP_NOFAIL) and falls back to vmalloc; vmalloc is where a GFP_NOFS argument is turned into a memalloc_nofs_save() scope, because page-table allocations cannot take a gfp
 * source:   fs/xattr.c (do_getxattr), mm/util.c (__kvmalloc_node_noprof, kmalloc_gfp_adjust), mm/vmalloc.c (__vmalloc_area_node), Linux 6.12.117; Documentation/core-api/gfp_mask-from-fs-io.rst (stale on this point in 6.12); reference/scenarios.md §14
 * kernel:   6.12
 * machine:  x86_64-64M
 * pressure: page_cache 60% (dirty 10%), anon 32%, slab_reclaimable 8%
 * free:     min
 * swap:     32M
 * seed:     5
 */

DEFINE_MUTEX(fs_ilock) __taken_by_fs_reclaim;

SYSCALL(getxattr) __pid(1000) __comm("getfattr")
{
	/* path_getxattr -> getxattr -> do_getxattr: kvzalloc(ctx->size, GFP_KERNEL), size capped at XATTR_SIZE_MAX */
	void *kvalue = kvzalloc(65536, GFP_KERNEL);

	if (!kvalue)
		return -ENOMEM;
	kvfree(kvalue);
	return 0;
}

/* A filesystem worker asking for a big buffer while it holds a lock reclaim needs. */
WORKQUEUE(fs_log_worker) __pid(160) __comm("kworker/u8:5")
{
	void *buf;

	mutex_lock(&fs_ilock);
	/*
	 * A caller passing GFP_NOFS to kvmalloc() (XFS's xlog_kvmalloc() instead uses
	 * GFP_KERNEL without direct reclaim and relies on its transaction's scope): the
	 * vmalloc fallback maps the pages inside memalloc_nofs_save(), so its page tables
	 * are NOFS too.
	 */
	buf = kvmalloc(131072, GFP_NOFS);
	mutex_unlock(&fs_ilock);
	if (!buf)
		return -ENOMEM;
	kvfree(buf);
	return 0;
}
