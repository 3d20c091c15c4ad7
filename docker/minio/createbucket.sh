#!/bin/sh
# One-shot job (the createbucket service): the platform's bucket, private, and an access key that can use
# only that bucket, so no dabiwu process ever holds MinIO's root credentials.  Safe to run again.
set -eu
mc alias set dabiwu http://minio:9000 "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD" >/dev/null
mc mb --ignore-existing "dabiwu/$DABIWU_BUCKET"
mc anonymous set none "dabiwu/$DABIWU_BUCKET"
policy=/tmp/dabiwu-platform-policy.json
cat > "$policy" <<JSON
{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow",
     "Action": ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"],
     "Resource": ["arn:aws:s3:::$DABIWU_BUCKET"]},
    {"Effect": "Allow",
     "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
     "Resource": ["arn:aws:s3:::$DABIWU_BUCKET/*"]}
  ]
}
JSON
mc admin policy create dabiwu dabiwu-platform "$policy"
mc admin user add dabiwu "$DABIWU_S3_ACCESS_KEY" "$DABIWU_S3_SECRET_KEY"
if ! out=$(mc admin policy attach dabiwu dabiwu-platform --user "$DABIWU_S3_ACCESS_KEY" 2>&1); then
  case "$out" in
    *already*) ;;  # attached on an earlier run
    *) echo "$out" >&2; exit 1 ;;
  esac
fi
echo "bucket $DABIWU_BUCKET ready for access key $DABIWU_S3_ACCESS_KEY"
