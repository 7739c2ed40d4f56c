"""slim's DataDecoder: the interface a slim Dataset's decoder implements, turning one encoded record
into the tensors of the items asked for."""
import abc


class DataDecoder(abc.ABC):
    """Decodes one record into named items."""

    @abc.abstractmethod
    def decode(self, data, items):
        """The tensors of `items` (a list of item names) decoded from the encoded `data`."""

    @abc.abstractmethod
    def list_items(self):
        """The names of every item this decoder can produce."""
