/*
 * title:    Runtime-PM resume of a USB disk: the memalloc_noio device flag
 * teaches:  a resume callback cannot know it sits under a block device, so the PM core marks the whole ancestor chain once (pm_runtime_set_memalloc_noio) and rpm_callback() runs the runtime suspend and resume callbacks of every marked device in a NOIO scope: the driver's GFP_KERNEL becomes GFP_NOIO
 * source:   block/genhd.c (device_add_disk), drivers/base/power/runtime.c (rpm_resume, rpm_callback), drivers/usb/core/driver.c, drivers/usb/core/hub.c, drivers/usb/core/message.c (usb_get_status, usb_control_msg), Linux 6.12.117; Ming Lei, "[PATCH v4 0/6] solve deadlock caused by memory allocation with I/O" (lkml 2012/11/3/33); commit 21caf2fc1931; reference/scenarios.md §5
 * kernel:   6.12
 * machine:  x86_64-64M
 * pressure: page_cache 10% (dirty 2%), anon 82%, slab_reclaimable 8%
 * free:     min
 * swap:     32M
 * seed:     1
 */

/*
 * device_add_disk() called pm_runtime_set_memalloc_noio(ddev, true), which marked the
 * disk and every ancestor up to the host controller. Delete __memalloc_noio from
 * usb_dev to see the hazard: the resume's GFP_KERNEL may then wait for I/O to a
 * device that is itself waiting for this resume.
 */
DEFINE_DEVICE(xhci_pci) __memalloc_noio;
DEFINE_DEVICE(usb_dev) __parent(xhci_pci) __runtime_suspended __memalloc_noio __resume(usb_runtime_resume);
DEFINE_DEVICE(usb_disk) __parent(usb_dev) __runtime_suspended __memalloc_noio __backing_store __resume(sd_resume);

SYSCALL(read) __pid(1000) __comm("cat")
{
	/*
	 * I/O to the suspended disk: blk_queue_enter() -> blk_pm_resume_queue() ->
	 * pm_request_resume(). The kernel runs rpm_resume() from pm_wq; it is shown
	 * synchronously here. rpm_resume() resumes the parent (usb_dev) first.
	 */
	pm_runtime_get_sync(&usb_disk);
	return submit_bio(&usb_disk);
}

int usb_runtime_resume(void)
{
	/* usb_resume_both -> usb_resume_device -> generic_resume -> usb_port_resume -> finish_port_resume */
	return usb_get_std_status();
}

int usb_get_std_status(void)
{
	return usb_get_status();
}

int usb_get_status(void)
{
	/* status = kmalloc(length, GFP_KERNEL): GFP_KERNEL in the code, GFP_NOIO in effect */
	void *status = kmalloc(2, GFP_KERNEL);
	int ret;

	if (!status)
		return -ENOMEM;
	ret = usb_control_msg();
	kfree(status);
	return ret;
}

int usb_control_msg(void)
{
	/* dr = kmalloc(sizeof(struct usb_ctrlrequest), GFP_NOIO) */
	void *dr = kmalloc(8, GFP_NOIO);
	/* usb_internal_control_msg -> usb_alloc_urb(0, GFP_NOIO) */
	void *urb = kmalloc(192, GFP_NOIO);

	if (!dr || !urb) {
		kfree(urb);
		kfree(dr);
		return -ENOMEM;
	}
	kfree(urb);
	kfree(dr);
	return 0;
}

int sd_resume(void)
{
	/* sd_resume_runtime -> sd_resume: start the disk spinning again (no allocation modelled) */
	return 0;
}
