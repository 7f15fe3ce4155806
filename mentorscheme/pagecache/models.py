from django.db import models


class DataStamp(models.Model):
    """One row: a number replaced by every write to the scheme's data.

    Only equality matters: a page rendered under one stamp is current while the
    stamp is unchanged. Written by database triggers, never by the application.
    """

    stamp = models.BigIntegerField(default=0)

    class Meta:
        db_table = "pagecache_datastamp"

    def __str__(self):
        return f"data stamp {self.stamp}"


class KeptPage(models.Model):
    """A rendered page, kept for one session, address and day (``key``, a digest).

    Served only while ``stamp`` equals the data stamp, the session still holds
    ``session_data``, and until ``expires``.
    """

    key = models.CharField(max_length=64, primary_key=True)
    stamp = models.BigIntegerField()
    session_data = models.TextField()  # the session as it was when rendered
    content_type = models.CharField(max_length=100)
    body = models.BinaryField()
    expires = models.DateTimeField(db_index=True)

    class Meta:
        db_table = "pagecache_keptpage"

    def __str__(self):
        return f"page {self.key[:12]}…"
