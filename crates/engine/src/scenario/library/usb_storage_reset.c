/*
 * title:    usb-storage error handling resets the device inside a NOIO scope
 * teaches:  error recovery on the storage path is itself block I/O context: usb_reset_device() always opens a NOIO scope because it cannot tell whether the device's memalloc_noio flag was set yet, so even the rebinding driver's GFP_KERNEL becomes GFP_NOIO (and xHCI spells out GFP_NOIO too)
 * source:   drivers/usb/storage/scsiglue.c (bus_reset), drivers/usb/storage/transport.c (usb_stor_port_reset), drivers/usb/core/hub.c (usb_reset_device, hub_port_init), drivers/usb/host/xhci.c (xhci_discover_or_reset_device), Linux 6.12.117; commit a6d940dd759b "xhci: Use GFP_NOIO during device reset"; reference/scenarios.md §6
 * kernel:   6.12
 * machine:  x86_64-64M
 * pressure: page_cache 10% (dirty 2%), anon 82%, slab_reclaimable 8%
 * free:     min
 * swap:     32M
 * seed:     1
 */

/* The disk being reset holds the root filesystem: reclaim's writeback would go to it. */
DEFINE_DEVICE(usb_disk) __backing_store;

KTHREAD(scsi_eh_0) __pid(210) __comm("scsi_eh_0")
{
	/* A SCSI command timed out: scsi_error_handler -> scsi_eh_bus_reset -> shost->hostt->eh_bus_reset_handler */
	return bus_reset();
}

int bus_reset(void)
{
	return usb_stor_port_reset();
}

int usb_stor_port_reset(void)
{
	return usb_reset_device();
}

int usb_reset_device(void)
{
	/*
	 * "Don't allocate memory with GFP_KERNEL in current context to avoid
	 * possible deadlock if usb mass storage interface or usbnet interface(iSCSI
	 * case) is included in current configuration. The easist [sic] approach is
	 * to do it for every device reset, because the device 'memalloc_noio' flag
	 * may have not been set before reseting the usb device."
	 */
	unsigned int noio_flag = memalloc_noio_save();
	int ret = usb_reset_and_verify_device();

	if (!ret)
		ret = rebind_probe();	/* usb_unbind_and_rebind_marked_interfaces() */
	memalloc_noio_restore(noio_flag);
	return ret;
}

int usb_reset_and_verify_device(void)
{
	return hub_port_init();
}

int hub_port_init(void)
{
	/* buf = kmalloc(GET_DESCRIPTOR_BUFSIZE, GFP_NOIO) */
	void *buf = kmalloc(64, GFP_NOIO);
	int ret;

	if (!buf)
		return -ENOMEM;
	/* hub_port_reset -> hub_port_finish_reset -> hcd->driver->reset_device */
	ret = xhci_discover_or_reset_device();
	kfree(buf);
	return ret;
}

int xhci_discover_or_reset_device(void)
{
	/* xhci_alloc_command(xhci, true, GFP_NOIO): the command and its completion */
	void *command = kzalloc(96, GFP_NOIO);

	if (!command)
		return -ENOMEM;
	kfree(command);
	return 0;
}

/* Illustrative: a driver rebound after the reset probes with GFP_KERNEL, knowing nothing
 * of the reset path (usb-storage's own usb_stor_post_reset() allocates nothing). */
int rebind_probe(void)
{
	/* GFP_KERNEL, turned into GFP_NOIO by the scope. */
	void *us_data = kzalloc(512, GFP_KERNEL);

	if (!us_data)
		return -ENOMEM;
	kfree(us_data);
	return 0;
}
