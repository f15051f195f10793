/*
 * title:    "GFP_NOFS just in case" against the scoped version of the same code
 * teaches:  GFP_NOFS written at every call site also constrains the calls made where no filesystem lock is held, so under pressure those requests lose the superblock shrinker and the OOM killer and just retry; a memalloc_nofs_save() scope around the transaction restricts exactly the code that needs it
 * source:   commit 7dea19f9ee63 "mm: introduce memalloc_nofs_{save,restore} API" (Michal Hocko, 2017); Documentation/core-api/gfp_mask-from-fs-io.rst; mm/oom_kill.c (out_of_memory: no kill without __GFP_FS); Matthew Wilcox, LSF/MM/BPF 2024 "Removing GFP_NOFS" (lwn.net/Articles/976355); reference/scenarios.md §4 and §16
 * kernel:   6.12
 * machine:  x86_64-64M
 * pressure: page_cache 55% (dirty 20%), anon 35%, slab_reclaimable 10%
 * free:     min
 * swap:     32M
 * seed:     2
 */

struct kmem_cache *myfs_inode_cache = kmem_cache_create("myfs_inode", 1024, SLAB_RECLAIM_ACCOUNT);
struct kmem_cache *myfs_trans_cache = kmem_cache_create("myfs_trans", 256, 0);

/* The filesystem's transaction lock: its own inode reclaim takes it too. */
DEFINE_MUTEX(myfs_trans_lock) __taken_by_fs_reclaim;

/* ---- The old style: every helper says GFP_NOFS, because it *might* run in a transaction. ---- */

SYSCALL(ls_old) __pid(1001) __comm("ls-old")
{
	int i;

	/* Path lookups: no transaction, no lock, yet every allocation is GFP_NOFS. */
	for (i = 0; i < 6; i++)
		if (!myfs_iget_old())
			return -ENOMEM;
	return myfs_create_old();
}

void *myfs_iget_old(void)
{
	return kmem_cache_alloc(myfs_inode_cache, GFP_NOFS);		/* "just in case" */
}

int myfs_create_old(void)
{
	void *tp = kmem_cache_zalloc(myfs_trans_cache, GFP_NOFS);
	void *ip;

	if (!tp)
		return -ENOMEM;
	mutex_lock(&myfs_trans_lock);
	ip = myfs_iget_old();
	mutex_unlock(&myfs_trans_lock);
	kmem_cache_free(myfs_trans_cache, tp);
	return ip ? 0 : -ENOMEM;
}

/* ---- The scoped style: GFP_KERNEL everywhere, one scope around the transaction. ---- */

SYSCALL(ls_scoped) __pid(1002) __comm("ls-scoped")
{
	int i;

	/* The same lookups: full GFP_KERNEL, so reclaim may shrink inode caches and even OOM-kill. */
	for (i = 0; i < 6; i++)
		if (!myfs_iget())
			return -ENOMEM;
	return myfs_create();
}

void *myfs_iget(void)
{
	return kmem_cache_alloc(myfs_inode_cache, GFP_KERNEL);
}

int myfs_create(void)
{
	void *tp = kmem_cache_zalloc(myfs_trans_cache, GFP_KERNEL);
	unsigned int nofs;
	void *ip;

	if (!tp)
		return -ENOMEM;
	nofs = memalloc_nofs_save();		/* the transaction starts */
	mutex_lock(&myfs_trans_lock);
	ip = myfs_iget();			/* GFP_KERNEL in the code, GFP_NOFS in effect */
	mutex_unlock(&myfs_trans_lock);
	memalloc_nofs_restore(nofs);		/* the transaction ends */
	kmem_cache_free(myfs_trans_cache, tp);
	return ip ? 0 : -ENOMEM;
}
