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
