"""slim's Dataset: a plain record of where data lives (`data_sources`), the reader class that reads
it, the decoder that decodes its records, its sample count, descriptions of its items, and any
further keyword attributes (num_classes, labels_to_names, ...)."""


class Dataset:
    def __init__(self, data_sources, reader, decoder, num_samples, items_to_descriptions, **kwargs):
        kwargs.update(data_sources=data_sources, reader=reader, decoder=decoder, num_samples=num_samples,
                      items_to_descriptions=items_to_descriptions)
        self.__dict__.update(kwargs)
