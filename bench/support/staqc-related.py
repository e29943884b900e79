# A related-terms table learnt from Stack Overflow question titles and their answers (StaQC), for
# bench/keyword-ranking.ts --related (a benchmark variant, not shipped):
#   python3 bench/support/staqc-related.py GIT_DIR OUT.txt.gz [--source both|answers|titles]
#       [--per-word 10] [--min-pair 3] [--min-word 3]
# GIT_DIR is the git directory of github.com/LittleYUYU/StackOverflow-Question-Code-Dataset
# (CC BY 4.0); its files are read with `git show HEAD:path`. Of that snapshot only these hold text:
# the 39,752 titles of SQL questions with multi-code answers, and the labelled question-code pairs
# of BiV-HNN (data/data_hnn: ~3.3k Python and ~2.6k SQL questions, each title with the answer's
# text around each snippet, Porter-stemmed by the authors, and for SQL the snippet's tokens); the
# 148k + 120k pairs themselves (the *_iid_to_code / *_qid_to_title pickles) are absent.
# For each title word (stemmed, stop words removed), the words most associated with it by
# normalised PMI over questions: the answer's words and SQL tokens (`answers`) and the other words
# of the same titles (`titles`), pairs seen in >= MIN_PAIR questions, words in >= MIN_WORD.
# Writes `word related:score ...` lines, score = NPMI in (0, 1], best first; a stem is written
# back as the commonest title word with that stem when one is known. Needs nltk (Porter stemmer,
# the one StaQC's own processing used): pip install --target DIR nltk; PYTHONPATH=DIR.
import argparse, gzip, math, pickle, re, subprocess
from collections import Counter, defaultdict
from nltk.stem.porter import PorterStemmer

SRC = 'annotation_tool/data/code_solution_labeled_data/source/'
HNN = 'data/data_hnn/{}/{}/data_partialcontext_shared_text_vocab_in_buckets.pickle'
STOP = set('''a about above after again against all am an and any are as at be because been before
being below between both but by can could did do does doing down during each few for from further
had has have having he her here hers him his how i if in into is it its itself just me more most my
no nor not now of off on once only or other our out over own same she should so some such than that
the their them then there these they this those through to too under until up very was we were what
when where which while who whom why will with would you your yours s t n't 's use using used get
way want need make like one two also possible python sql mysql server oracle postgresql postgres
tsql db database table query queries code question answer example result results work try error
dont doesnt isnt cant'''.split())
PLACEHOLDER = re.compile(r'^(col|tab)\d+$|^code_')


def load(git_dir, path):
    blob = subprocess.run(['git', '--git-dir', git_dir, 'show', f'HEAD:{path}'], capture_output=True, check=True).stdout
    return pickle.loads(blob, encoding='latin1')


def words(tokens):
    return {w for w in tokens if re.fullmatch(r'[a-z][a-z_]+', w) and w not in STOP and not PLACEHOLDER.match(w)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('git_dir'); ap.add_argument('out')
    ap.add_argument('--source', default='both', choices=['both', 'answers', 'titles'])
    ap.add_argument('--per-word', type=int, default=10)
    ap.add_argument('--min-pair', type=int, default=3)
    ap.add_argument('--min-word', type=int, default=3)
    a = ap.parse_args()
    porter = PorterStemmer(mode=PorterStemmer.ORIGINAL_ALGORITHM)
    stem = lambda w: porter.stem(w)

    # Raw SQL titles: the title-side text, and the surface word of each stem.
    raw_titles = load(a.git_dir, SRC + 'sql_how_to_do_it_by_classifier_multiple_qid_to_title.pickle')
    surface = defaultdict(Counter)
    titles = {}  # qid -> set of stems
    for qid, title in raw_titles.items():
        toks = re.findall(r'[a-z][a-z_]+', title.lower())
        for w in toks:
            surface[stem(w)][w] += 1
        titles[('sql', qid)] = words(stem(w) for w in toks)

    # Labelled pairs: title (stemmed ids), the answer's text around the snippet, SQL code tokens.
    answers = defaultdict(set)  # qid -> set of answer-side words
    for lang in ('python', 'sql'):
        vocab = load(a.git_dir, SRC + f'{lang}_text_content/text_word_vocab.pickle')
        code_vocab = load(a.git_dir, SRC + 'sql_code_gram5/code_token_vocab.pickle') if lang == 'sql' else None
        for split in ('train', 'valid', 'test'):
            for bucket in load(a.git_dir, HNN.format(lang, split)):
                for entry in bucket:
                    key = (lang, entry[0][0])
                    title = words(vocab[i] for i in entry[5][: entry[6]])
                    titles[key] = titles.get(key, set()) | title
                    side = answers[key]
                    for ctx in entry[1]:
                        side |= words(vocab[i] for i in ctx if i)
                    if code_vocab:
                        side |= words(code_vocab[i].lower() for i in entry[3][0] if i)

    def npmi_table(docs):
        """docs: list of (left set, right set); NPMI of left word -> right word over docs."""
        n = len(docs)
        left, right, pair = Counter(), Counter(), Counter()
        for l, r in docs:
            left.update(l); right.update(r)
            pair.update((x, y) for x in l for y in r if x != y)
        table = defaultdict(dict)
        for (x, y), c in pair.items():
            if c < a.min_pair or left[x] < a.min_word or right[y] < a.min_word:
                continue
            p = c / n
            score = math.log(p / (left[x] / n * right[y] / n)) / -math.log(p)
            if score > 0:
                table[x][y] = score
        return table

    tables = []
    if a.source in ('both', 'answers'):
        tables.append(npmi_table([(titles[k], answers[k]) for k in answers]))
    if a.source in ('both', 'titles'):
        tables.append(npmi_table([(t, t) for t in titles.values()]))
    merged = defaultdict(dict)
    for table in tables:
        for x, row in table.items():
            for y, s in row.items():
                merged[x][y] = max(s, merged[x].get(y, 0))

    def word_of(s):
        return surface[s].most_common(1)[0][0] if surface.get(s) else s

    lines = []
    for x, row in sorted(merged.items()):
        keys = {x} | set(surface.get(x, {}))
        best = {}  # one entry per written word, not the key itself nor a word of the key's stem
        for y, s in sorted(row.items(), key=lambda kv: (-kv[1], kv[0])):
            w = word_of(y)
            if w not in best and w not in keys and stem(w) != x and len(best) < a.per_word:
                best[w] = s
        if not best:
            continue
        related = ' '.join(f'{w}:{s:.3f}' for w, s in best.items())
        lines += [f'{k} {related}' for k in sorted(keys)]
    with gzip.open(a.out, 'wt') as f:
        # The keys are stems as well as words: bench/support/related-terms.ts then also looks a
        # question's word up by its stem.
        f.write('# keys: stems\n' + '\n'.join(lines) + '\n')
    print(f'{len(titles)} titles, {len(answers)} with answers; {len(merged)} stems, {len(lines)} lines')


if __name__ == '__main__':
    main()
