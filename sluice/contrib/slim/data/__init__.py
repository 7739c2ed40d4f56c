"""tf.contrib.slim's data package (TF's contrib/slim/python/slim/data): a Dataset names data sources,
a reader class and a DataDecoder; parallel_reader reads the sources' records through a common queue;
tfexample_decoder turns serialized tf.Example records into named items; a DatasetDataProvider
wires the three together and hands out the items as tensors."""
