/*
 * title:    loop: a block driver that calls into a filesystem marks its worker NOIO
 * teaches:  loop cannot pass a gfp argument into the backing filesystem's read_iter/write_iter, so its worker sets PF_MEMALLOC_NOIO and every GFP_KERNEL the filesystem does below becomes GFP_NOIO: a scope, not a call-site flag, is the fix
 * source:   drivers/block/loop.c (loop_process_work, lo_rw_aio), fs/xfs/xfs_file.c (xfs_file_dio_read), fs/iomap/direct-io.c (__iomap_dio_rw), Linux 6.12.117; commit d0a255e795ab "loop: set PF_MEMALLOC_NOIO for the worker thread" (5.3); Mikulas Patocka, "[PATCH] direct-io: use GFP_NOIO to avoid deadlock" and Matthew Wilcox's reply (lore 20190808135329.GG5482@bombadil.infradead.org); reference/scenarios.md §10
 * kernel:   6.12
 * machine:  x86_64-64M
 * pressure: page_cache 10% (dirty 2%), anon 82%, slab_reclaimable 8%
 * free:     min
 * swap:     32M
 * seed:     1
 */

/* /dev/loop0 is backed by a file on XFS; a filesystem on loop0 is being written back. */
DEFINE_DEVICE(loop0) __backing_store;

WORKQUEUE(loop_workfn) __pid(150) __comm("kworker/u8:4")
{
	return loop_process_work();
}

int loop_process_work(void)
{
	/*
	 * loop.c writes the scope by hand:
	 *	int orig_flags = current->flags;
	 *	current->flags |= PF_LOCAL_THROTTLE | PF_MEMALLOC_NOIO;
	 *	...
	 *	current->flags = orig_flags;
	 * memalloc_flags_save()/restore() do the same here.
	 */
	unsigned int orig_flags = memalloc_flags_save(PF_LOCAL_THROTTLE | PF_MEMALLOC_NOIO);
	int i;
	int ret = 0;

	for (i = 0; i < 3 && ret == 0; i++)
		ret = loop_handle_cmd();	/* one queued request after another */
	memalloc_flags_restore(orig_flags);
	return ret;
}

int loop_handle_cmd(void)
{
	/* do_req_filebacked -> lo_rw_aio: kmalloc_array(nr_bvec, sizeof(struct bio_vec), GFP_NOIO) */
	void *bvec = kmalloc_array(16, 16, GFP_NOIO);
	int ret;

	if (!bvec)
		return -ENOMEM;
	ret = xfs_file_read_iter();	/* file->f_op->read_iter on the backing file */
	kfree(bvec);
	return ret;
}

int xfs_file_read_iter(void)
{
	/* xfs_file_dio_read -> iomap_dio_rw -> __iomap_dio_rw: kmalloc(sizeof(*dio), GFP_KERNEL) */
	void *dio = kmalloc(160, GFP_KERNEL);		/* GFP_NOIO in effect */
	/* iomap_dio_bio_iter -> bio_alloc(..., GFP_KERNEL) */
	void *bio = kmalloc(256, GFP_KERNEL);

	if (!dio || !bio) {
		kfree(bio);
		kfree(dio);
		return -ENOMEM;
	}
	kfree(bio);
	kfree(dio);
	return 0;
}
