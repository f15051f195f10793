/*
 * title:    endless pressure (benchmark workload)
 * teaches:  nothing: it keeps the allocator, reclaim and kswapd busy for a long run
 * machine:  x86_64-64M
 * pressure: page_cache 45% (dirty 10%), anon 35%, slab_reclaimable 8%
 * background: anon_hog 8K/step, dirtier 8K/step
 * swap:     64M
 * step_limit: 1000000
 * seed:     1
 */
DEFINE_MUTEX(big);

int churn(gfp_t gfp)
{
	void *p = kmalloc(2048, gfp);
	struct page *pg = alloc_pages(gfp, 1);
	if (pg)
		__free_pages(pg, 1);
	kfree(p);
	return 0;
}

SYSCALL(worker)
{
	int i;
	for (i = 0; i < 1000000; i++) {
		unsigned int nofs = memalloc_nofs_save();
		mutex_lock(&big);
		churn(GFP_KERNEL);
		mutex_unlock(&big);
		memalloc_nofs_restore(nofs);
	}
	return 0;
}

KTHREAD(flusher_like)
{
	int i;
	for (i = 0; i < 1000000; i++) {
		churn(GFP_NOIO);
		cond_resched();
	}
	return 0;
}
