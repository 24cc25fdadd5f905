"""Run one step of the boto3 client test against the gateway and print its result as JSON.

Usage: python boto3-workflow.py STEP < PARAMS_JSON

The JSON object on standard input contains endpoint_url, access_key_id, secret_access_key and work_dir, and optionally
addressing_style ("path" or "virtual"). The certificate to trust over TLS comes from
AWS_CA_BUNDLE. Checksum settings stay at boto3's defaults. Every request that boto3 sends is
recorded, without its Authorization header, so the test can check its shape.
"""

import json
import os
import socket
import sys

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import ClientError

# Request headers copied into the output. Authorization is left out on purpose.
RECORDED_HEADERS = (
    "host",
    "content-encoding",
    "x-amz-content-sha256",
    "x-amz-trailer",
    "x-amz-sdk-checksum-algorithm",
    "x-amz-checksum-crc32",
    "x-amz-copy-source",
    "x-amz-copy-source-range",
)


def map_localhost_subdomains():
    """Resolve names under .localhost to 127.0.0.1 when the system resolver does not.

    glibc resolves such names only through /etc/hosts or nss-myhostname. This shim is for the
    test process only and returns whether it was installed.
    """
    try:
        socket.getaddrinfo("azure.localhost", 80)
        return False
    except socket.gaierror:
        pass
    original = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        if isinstance(host, str) and host.endswith(".localhost"):
            host = "127.0.0.1"
        return original(host, *args, **kwargs)

    socket.getaddrinfo = getaddrinfo
    return True


def make_client(params, secret=None):
    config = Config(
        region_name="us-east-1",
        retries={"max_attempts": 1, "mode": "standard"},
        s3={"addressing_style": params.get("addressing_style", "path")},
    )
    client = boto3.session.Session().client(
        "s3",
        endpoint_url=params["endpoint_url"],
        aws_access_key_id=params["access_key_id"],
        aws_secret_access_key=secret or params["secret_access_key"],
        config=config,
    )
    requests = []

    def record(request, event_name, **kwargs):
        headers = {}
        for name in RECORDED_HEADERS:
            value = request.headers.get(name)
            if value is not None:
                headers[name] = value.decode() if isinstance(value, bytes) else value
        requests.append({
            "operation": event_name.rsplit(".", 1)[-1],
            "method": request.method,
            "url": request.url,
            "headers": headers,
        })

    client.meta.events.register("before-send.s3", record)
    return client, requests


def step_buckets(params):
    s3, _ = make_client(params)
    return {"buckets": [bucket["Name"] for bucket in s3.list_buckets()["Buckets"]]}


def step_upload(params):
    s3, requests = make_client(params)
    work_dir = params["work_dir"]
    s3.upload_file(os.path.join(work_dir, "big.bin"), "azure", "boto3/big.bin")
    with open(os.path.join(work_dir, "small.txt"), "rb") as body:
        s3.put_object(Bucket="azure", Key="boto3/notes/small.txt", Body=body)
    return {"requests": requests}


def step_list(params):
    s3, _ = make_client(params)
    shallow = s3.list_objects_v2(Bucket="azure", Prefix="boto3/", Delimiter="/")
    # A page size of 1 makes the paginator follow a continuation token for every key.
    pages = s3.get_paginator("list_objects_v2").paginate(
        Bucket="azure", Prefix="boto3/", PaginationConfig={"PageSize": 1}
    )
    paged_keys = []
    page_count = 0
    for page in pages:
        page_count += 1
        paged_keys.extend(item["Key"] for item in page.get("Contents", []))
    return {
        "prefixes": [entry["Prefix"] for entry in shallow.get("CommonPrefixes", [])],
        "objects": [{"key": item["Key"], "size": item["Size"]} for item in shallow.get("Contents", [])],
        "paged_keys": paged_keys,
        "page_count": page_count,
    }


def step_download(params):
    s3, _ = make_client(params)
    down_dir = os.path.join(params["work_dir"], "down")
    os.makedirs(down_dir, exist_ok=True)
    s3.download_file("azure", "boto3/big.bin", os.path.join(down_dir, "big.bin"))
    small = s3.get_object(Bucket="azure", Key="boto3/notes/small.txt")
    with open(os.path.join(down_dir, "small.txt"), "wb") as file:
        file.write(small["Body"].read())
    return {"small_content_length": small["ContentLength"]}


def step_copy(params):
    s3, requests = make_client(params)
    down_dir = os.path.join(params["work_dir"], "down")
    s3.copy_object(
        Bucket="vmware",
        Key="boto3-copy/small.txt",
        CopySource={"Bucket": "azure", "Key": "boto3/notes/small.txt"},
    )
    # The managed copy switches to UploadPartCopy above this threshold, as for uploads.
    transfer = TransferConfig(multipart_threshold=8 * 1024 * 1024, multipart_chunksize=8 * 1024 * 1024)
    s3.copy({"Bucket": "azure", "Key": "boto3/big.bin"}, "sentinelone", "boto3-copy/big.bin", Config=transfer)
    s3.download_file("sentinelone", "boto3-copy/big.bin", os.path.join(down_dir, "copied.bin"))
    s3.download_file("vmware", "boto3-copy/small.txt", os.path.join(down_dir, "copied.txt"))

    s3.delete_object(Bucket="azure", Key="boto3/notes/small.txt")
    deleted = s3.delete_objects(Bucket="azure", Delete={"Objects": [{"Key": "boto3/big.bin"}]})
    remaining = s3.list_objects_v2(Bucket="azure", Prefix="boto3/")
    return {
        "deleted": [entry["Key"] for entry in deleted.get("Deleted", [])],
        "delete_errors": deleted.get("Errors", []),
        "remaining": [item["Key"] for item in remaining.get("Contents", [])],
        "copy_operations": sorted({entry["operation"] for entry in requests}),
    }


def step_wrong_secret(params):
    s3, _ = make_client(params, secret="x" * 40)
    try:
        s3.list_objects_v2(Bucket="azure")
    except ClientError as error:
        return {
            "code": error.response["Error"]["Code"],
            "status": error.response["ResponseMetadata"]["HTTPStatusCode"],
        }
    return {"code": None, "status": 200}


def step_virtual_hosted(params):
    shim_installed = map_localhost_subdomains()
    s3, requests = make_client(params)
    buckets = [bucket["Name"] for bucket in s3.list_buckets()["Buckets"]]
    s3.put_object(Bucket="azure", Key="virtual/hello.txt", Body=b"hello from a virtual host\n")
    body = s3.get_object(Bucket="azure", Key="virtual/hello.txt")["Body"].read().decode()
    listing = s3.list_objects_v2(Bucket="azure", Prefix="virtual/")
    return {
        "shim_installed": shim_installed,
        "buckets": buckets,
        "body": body,
        "keys": [item["Key"] for item in listing.get("Contents", [])],
        "requests": [{"operation": entry["operation"], "url": entry["url"]} for entry in requests],
    }


STEPS = {
    "buckets": step_buckets,
    "upload": step_upload,
    "list": step_list,
    "download": step_download,
    "copy": step_copy,
    "wrong-secret": step_wrong_secret,
    "virtual-hosted": step_virtual_hosted,
}


def main():
    step = sys.argv[1] if len(sys.argv) == 2 else ""
    if step not in STEPS:
        raise SystemExit(f"invalid step {step!r}: pass one of {', '.join(STEPS)}")
    # Parameters arrive on standard input, so the secret stays out of the process list.
    print(json.dumps(STEPS[step](json.load(sys.stdin))))


if __name__ == "__main__":
    main()
