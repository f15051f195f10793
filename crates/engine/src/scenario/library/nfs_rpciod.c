/*
 * title:    NFS writeback over SUNRPC: rpciod runs in a NOFS scope and asks for fail-fast memory
 * teaches:  a network filesystem's transport threads are part of writeback: rpc_async_schedule() enters a NOFS scope, nfs_io_gfp_mask() asks that scope through current_gfp_context(), and workqueue workers prefer __GFP_NORETRY with a GFP_NOWAIT mempool fallback over waiting in reclaim
 * source:   fs/nfs/write.c (nfs_writehdr_alloc), fs/nfs/internal.h (nfs_io_gfp_mask), net/sunrpc/sched.c (rpc_async_schedule, rpc_malloc, rpc_task_gfp_mask), Linux 6.12.117; NeilBrown, "sporadic hangs on generic/186" (lore 164930538057.10985.13909676315036428067@noble.neil.brown.name); reference/scenarios.md §9
 * kernel:   6.12
 * machine:  x86_64-64M
 * pressure: page_cache 66% (dirty 35%), anon 28%, slab_reclaimable 6%
 * free:     min
 * swap:     16M
 * seed:     1
 */

struct kmem_cache *nfs_wdata_cachep = kmem_cache_create("nfs_write_data", 632, SLAB_HWCACHE_ALIGN);
struct kmem_cache *rpc_buffer_slabp = kmem_cache_create("rpc_buffers", 2048, SLAB_HWCACHE_ALIGN);

/* The flusher thread writing back dirty NFS pages. */
WORKQUEUE(wb_workfn) __pid(140) __comm("kworker/u8:1")
{
	/* wb_do_writeback -> ... -> do_writepages -> nfs_writepages -> nfs_pageio_complete ->
	 * nfs_pageio_doio -> nfs_generic_pg_pgios -> nfs_pgio_header_alloc */
	void *hdr = nfs_writehdr_alloc();

	if (!hdr)
		return -ENOMEM;
	queue_work(rpciod);		/* rpc_run_task -> rpc_execute: async tasks are queued on rpciod */
	return 0;
}

/* rpciod (WQ_MEM_RECLAIM | WQ_UNBOUND) running the queued RPC task. */
WORKQUEUE(rpciod) __idle __pid(141) __comm("kworker/u9:0")
{
	/* rpc_async_schedule() */
	unsigned int pflags = memalloc_nofs_save();
	int status = __rpc_execute();

	memalloc_nofs_restore(pflags);
	return status;
}

void *nfs_writehdr_alloc(void)
{
	void *p = kmem_cache_zalloc(nfs_wdata_cachep, nfs_io_gfp_mask());

	if (!p)
		/* mempool_alloc(nfs_wdata_mempool, GFP_NOWAIT): the pool's reserve is not modelled */
		p = kmem_cache_zalloc(nfs_wdata_cachep, GFP_NOWAIT);
	return p;
}

gfp_t nfs_io_gfp_mask(void)
{
	gfp_t ret = current_gfp_context(GFP_KERNEL);

	/* For workers __GFP_NORETRY only with __GFP_IO or __GFP_FS */
	if ((current->flags & PF_WQ_WORKER) && ret == GFP_KERNEL)
		ret |= __GFP_NORETRY | __GFP_NOWARN;
	return ret;
}

gfp_t rpc_task_gfp_mask(void)
{
	if (current->flags & PF_WQ_WORKER)
		return GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN;
	return GFP_KERNEL;
}

int __rpc_execute(void)
{
	/* call_allocate -> xprt->ops->buf_alloc == rpc_malloc */
	return rpc_malloc();
}

int rpc_malloc(void)
{
	/* "To prevent rpciod from hanging, this allocator never sleeps" (sched.c; stale:
	 * on rpciod the mask is GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN, which may enter
	 * direct reclaim once) */
	void *buf = kmem_cache_alloc(rpc_buffer_slabp, rpc_task_gfp_mask());

	/* Reach for the mempool if dynamic allocation fails (pool reserve not modelled). */
	if (!buf)
		buf = kmem_cache_alloc(rpc_buffer_slabp, GFP_NOWAIT);
	if (!buf)
		return -ENOMEM;
	kmem_cache_free(rpc_buffer_slabp, buf);
	return 0;
}
