/*
 * title:    open(2): the GFP_KERNEL baseline
 * teaches:  in plain process context with no scope and no lock held, GFP_KERNEL lets reclaim use every tool, from kswapd and page-cache reclaim to swap, the superblock shrinkers and finally the OOM killer
 * source:   fs/open.c (do_sys_openat2), fs/namei.c (getname_flags, path_openat), fs/file_table.c (alloc_empty_file), fs/dcache.c (__d_alloc), Linux 6.12.117; reference/scenarios.md §1
 * kernel:   6.12
 * machine:  x86_64-64M
 * pressure: page_cache 58% (dirty 10%), anon 30%, slab_reclaimable 12%
 * free:     min
 * swap:     32M
 * seed:     1
 */

/* Caches as fs/dcache.c (names_cache, dentry) and fs/file_table.c (filp) create them (object sizes for x86-64). */
struct kmem_cache *names_cachep = kmem_cache_create("names_cache", 4096, SLAB_HWCACHE_ALIGN | SLAB_PANIC);
struct kmem_cache *filp_cachep = kmem_cache_create("filp", 256, SLAB_HWCACHE_ALIGN | SLAB_PANIC | SLAB_ACCOUNT | SLAB_TYPESAFE_BY_RCU);
struct kmem_cache *dentry_cache = kmem_cache_create("dentry", 192, SLAB_RECLAIM_ACCOUNT | SLAB_PANIC | SLAB_ACCOUNT);

SYSCALL(openat) __pid(1000) __comm("find")
{
	int i;
	int fd = 0;

	/* find(1) opening one new file after another: each needs a name, a dentry and a file. */
	for (i = 0; i < 24; i++) {
		fd = do_sys_openat2();
		if (fd < 0)
			return fd;
	}
	return 0;
}

int do_sys_openat2(void)
{
	/* getname() -> getname_flags() -> __getname(): kmem_cache_alloc(names_cachep, GFP_KERNEL) */
	void *name = kmem_cache_alloc(names_cachep, GFP_KERNEL);
	struct file *f;

	if (!name)
		return -ENOMEM;
	f = do_filp_open();
	kmem_cache_free(names_cachep, name);	/* putname() */
	return f ? 3 : -ENOMEM;
}

struct file *do_filp_open(void)
{
	/* path_openat() -> lookup_open(): a dcache miss allocates a dentry. */
	void *dentry = d_alloc();

	if (!dentry)
		return NULL;
	return alloc_empty_file();
}

void *d_alloc(void)
{
	/* __d_alloc(): kmem_cache_alloc_lru(dentry_cache, &sb->s_dentry_lru, GFP_KERNEL) */
	return kmem_cache_alloc(dentry_cache, GFP_KERNEL);
}

struct file *alloc_empty_file(void)
{
	/* fs/file_table.c: kmem_cache_zalloc(filp_cachep, GFP_KERNEL); charged to the memcg (SLAB_ACCOUNT) */
	return kmem_cache_zalloc(filp_cachep, GFP_KERNEL);
}
