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
