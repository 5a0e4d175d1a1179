#!/usr/bin/env bash
# Make a netdoctor snapshot bundle by hand with kubectl and the aws CLI (no netdoctor needed).
# Read-only: only get/list/describe calls. Usage:
#   CLUSTER=my-cluster REGION=eu-central-1 bash collect-bundle.sh [OUT_DIR]
# Then: tar czf bundle.tgz -C OUT_DIR .   and   netdoctor check bundle.tgz
set -uo pipefail
: "${CLUSTER:?set CLUSTER to the EKS cluster name}"
: "${REGION:?set REGION, e.g. eu-central-1}"
OUT=${1:-netdoctor-bundle}
mkdir -p "$OUT/k8s" "$OUT/aws"
export AWS_REGION=$REGION
k() { kubectl get "$@" -o json; }
k nodes > "$OUT/k8s/nodes.json"
k pods -A > "$OUT/k8s/pods.json"
k services -A > "$OUT/k8s/services.json"
k ingresses -A > "$OUT/k8s/ingresses.json"
k events -A > "$OUT/k8s/events.json"
k daemonsets -n kube-system > "$OUT/k8s/daemonsets.json"
# ConfigMaps, by name only: amazon-vpc-cni and aws-auth. aws-auth is cut to each mapped role's
# ARN and groups with python3 + PyYAML (its mapRoles is YAML); without them it is left out and
# node-join says the role mapping is unknown.
CM="$OUT/k8s/configmaps.json"
if python3 -c 'import yaml' 2>/dev/null; then
  kubectl get configmaps -n kube-system amazon-vpc-cni aws-auth --ignore-not-found -o json | python3 -c '
import json, sys, yaml
doc = json.load(sys.stdin)
for cm in doc.get("items", []):
    if cm["metadata"]["name"] == "aws-auth":
        roles = yaml.safe_load((cm.get("data") or {}).get("mapRoles") or "[]") or []
        kept = [{"rolearn": r["rolearn"], "groups": r.get("groups") or []} for r in roles if isinstance(r, dict) and "rolearn" in r]
        cm["data"] = {"mapRoles": json.dumps(kept)}
json.dump(doc, sys.stdout)' > "$CM"
else
  echo "python3 with PyYAML not found: aws-auth left out of $CM (node-join: role mapping unknown)" >&2
  k configmaps -n kube-system --field-selector metadata.name=amazon-vpc-cni > "$CM"
fi
# Custom resources: a CRD that is not installed leaves its file absent (the checks then skip).
k eniconfigs.crd.k8s.amazonaws.com > "$OUT/k8s/eniconfigs.json" 2>/dev/null || rm -f "$OUT/k8s/eniconfigs.json"
k securitygrouppolicies.vpcresources.k8s.aws -A > "$OUT/k8s/securitygrouppolicies.json" 2>/dev/null || rm -f "$OUT/k8s/securitygrouppolicies.json"
k cninodes.vpcresources.k8s.aws > "$OUT/k8s/cninodes.json" 2>/dev/null || rm -f "$OUT/k8s/cninodes.json"
k targetgroupbindings.elbv2.k8s.aws -A > "$OUT/k8s/targetgroupbindings.json" 2>/dev/null || rm -f "$OUT/k8s/targetgroupbindings.json"
k endpointslices.discovery.k8s.io -A > "$OUT/k8s/endpointslices.json"

aws eks describe-cluster --name "$CLUSTER" --output json > "$OUT/aws/eks-describe-cluster.json"
VPC=$(aws eks describe-cluster --name "$CLUSTER" --query cluster.resourcesVpcConfig.vpcId --output text)
F="Name=vpc-id,Values=$VPC"
a() { aws "$@" --output json; }
a ec2 describe-vpcs --vpc-ids "$VPC" > "$OUT/aws/ec2-describe-vpcs.json"
a ec2 describe-vpc-attribute --vpc-id "$VPC" --attribute enableDnsSupport > "$OUT/aws/ec2-describe-vpc-attribute-enable-dns-support.json"
a ec2 describe-vpc-attribute --vpc-id "$VPC" --attribute enableDnsHostnames > "$OUT/aws/ec2-describe-vpc-attribute-enable-dns-hostnames.json"
a ec2 describe-subnets --filters "$F" > "$OUT/aws/ec2-describe-subnets.json"
a ec2 describe-route-tables --filters "$F" > "$OUT/aws/ec2-describe-route-tables.json"
a ec2 describe-nat-gateways --filter "$F" > "$OUT/aws/ec2-describe-nat-gateways.json"
a ec2 describe-internet-gateways --filters "Name=attachment.vpc-id,Values=$VPC" > "$OUT/aws/ec2-describe-internet-gateways.json"
a ec2 describe-instances --filters "$F" > "$OUT/aws/ec2-describe-instances.json"
TYPES=$(aws ec2 describe-instances --filters "$F" --query 'Reservations[].Instances[].InstanceType' --output text | tr '\t' '\n' | sort -u | tr '\n' ' ')
# shellcheck disable=SC2086
a ec2 describe-instance-types --instance-types $TYPES > "$OUT/aws/ec2-describe-instance-types.json"
a ec2 describe-network-interfaces --filters "$F" > "$OUT/aws/ec2-describe-network-interfaces.json"
a ec2 describe-security-groups --filters "$F" > "$OUT/aws/ec2-describe-security-groups.json"
a ec2 describe-vpc-endpoints --filters "$F" > "$OUT/aws/ec2-describe-vpc-endpoints.json"
a elbv2 describe-load-balancers > "$OUT/aws/elbv2-describe-load-balancers.json"
a elbv2 describe-target-groups > "$OUT/aws/elbv2-describe-target-groups.json"
a ec2 describe-network-acls --filters "$F" > "$OUT/aws/ec2-describe-network-acls.json"
# Managed prefix lists with their CIDRs: each list gets `Entries` from get-managed-prefix-list-entries
# (merged with jq; without jq the lists stay without entries and trace says their routes are unknown).
PL="$OUT/aws/ec2-describe-managed-prefix-lists.json"
a ec2 describe-managed-prefix-lists > "$PL"
if command -v jq >/dev/null; then
  for id in $(aws ec2 describe-managed-prefix-lists --query 'PrefixLists[].PrefixListId' --output text); do
    a ec2 get-managed-prefix-list-entries --prefix-list-id "$id" > "$PL.entries"
    jq --arg id "$id" --slurpfile e "$PL.entries" \
      '.PrefixLists |= map(if .PrefixListId == $id then .Entries = $e[0].Entries else . end)' \
      "$PL" > "$PL.tmp" && mv "$PL.tmp" "$PL"
  done
  rm -f "$PL.entries"
else
  echo "jq not found: $PL has no Entries (prefix-list routes will trace as unknown)" >&2
fi
# Subnet CIDR reservations: get-subnet-cidr-reservations per subnet of the VPC, merged with jq
# (without jq the file is not written and checks say the reservations were not collected).
SR="$OUT/aws/ec2-describe-subnet-cidr-reservations.json"
if command -v jq >/dev/null; then
  echo '{"SubnetIpv4CidrReservations": [], "SubnetIpv6CidrReservations": []}' > "$SR"
  for id in $(aws ec2 describe-subnets --filters "$F" --query 'Subnets[].SubnetId' --output text); do
    a ec2 get-subnet-cidr-reservations --subnet-id "$id" > "$SR.one"
    jq --slurpfile r "$SR.one" '.SubnetIpv4CidrReservations += ($r[0].SubnetIpv4CidrReservations // [])
      | .SubnetIpv6CidrReservations += ($r[0].SubnetIpv6CidrReservations // [])' "$SR" > "$SR.tmp" && mv "$SR.tmp" "$SR"
  done
  rm -f "$SR.one"
else
  echo "jq not found: $SR not written (subnet CIDR reservations unknown)" >&2
fi
# EKS's own view: managed node groups (with health issues), access entries, insights.
NG="$OUT/aws/eks-describe-nodegroups.json"
if command -v jq >/dev/null; then
  echo '{"nodegroups": []}' > "$NG"
  for ng in $(aws eks list-nodegroups --cluster-name "$CLUSTER" --query 'nodegroups[]' --output text); do
    a eks describe-nodegroup --cluster-name "$CLUSTER" --nodegroup-name "$ng" > "$NG.one"
    jq --slurpfile n "$NG.one" '.nodegroups += [$n[0].nodegroup]' "$NG" > "$NG.tmp" && mv "$NG.tmp" "$NG"
  done
  rm -f "$NG.one"
else
  echo "jq not found: $NG not written (node group health unknown)" >&2
fi
a eks list-access-entries --cluster-name "$CLUSTER" > "$OUT/aws/eks-list-access-entries.json"
IN="$OUT/aws/eks-list-insights.json"
a eks list-insights --cluster-name "$CLUSTER" > "$IN"
if command -v jq >/dev/null; then
  for id in $(jq -r '.insights[] | select(.insightStatus.status != "PASSING") | .id' "$IN"); do
    a eks describe-insight --cluster-name "$CLUSTER" --id "$id" > "$IN.one"
    jq --arg id "$id" --slurpfile d "$IN.one" \
      '.insights |= map(if .id == $id then . + ($d[0].insight | {recommendation, resources}) else . end)' \
      "$IN" > "$IN.tmp" && mv "$IN.tmp" "$IN"
  done
  rm -f "$IN.one"
fi
printf '{"cluster": "%s", "region": "%s", "captured_at": "%s", "source": "collect-bundle.sh"}\n' \
  "$CLUSTER" "$REGION" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" > "$OUT/meta.json"
echo "bundle written to $OUT" >&2
