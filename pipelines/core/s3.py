"""The one way this project talks to S3: boto3's standard configuration (AWS_* variables, profiles,
AWS_ENDPOINT_URL for any S3-compatible store), and every failure as one line naming where."""


def client():
    import boto3  # imported here: local-only users never pay for it

    return boto3.client("s3")


def call(error: type[Exception], where: str, what: str, fn, **kwargs):
    """fn(**kwargs), with botocore's errors turned into `error("<where>: <what> failed: <code>: ...")`."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return fn(**kwargs)
    except ClientError as exc:
        err = exc.response.get("Error", {})
        raise error(f"{where}: {what} failed: {err.get('Code')}: {err.get('Message')}") from None
    except BotoCoreError as exc:
        raise error(f"{where}: {what} failed: {exc}") from None


class Location:
    """A place this project keeps on S3, s3://bucket[/prefix]: its bucket and key prefix ('' or
    ending in '/'), a client made on first use, and calls whose failures name the place.
    Subclasses set `error` and `where` (e.g. "landing s3://...")."""

    error: type[Exception] = Exception
    _client = None

    def _locate(self, uri: str, client=None) -> None:
        from urllib.parse import urlparse

        parsed = urlparse(uri)
        if parsed.scheme != "s3" or not parsed.netloc:
            raise self.error(f"{self.where}: expected s3://bucket[/prefix]")
        self.bucket = parsed.netloc
        self.prefix = parsed.path.strip("/") + "/" if parsed.path.strip("/") else ""
        self._client = client

    @property
    def where(self) -> str:
        raise NotImplementedError

    @property
    def client(self):
        if self._client is None:
            self._client = client()
        return self._client

    def _call(self, what: str, fn, **kwargs):
        return call(self.error, self.where, what, fn, **kwargs)
